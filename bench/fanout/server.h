// What the bench asks the server between rounds: its open-stream gauge, and waiting for it to drop.
#pragma once

#include "async.h"
#include "bench.h"

namespace fanout {

// The server's open-stream gauge, -1 when unavailable.
asio::awaitable<long> server_subscribers(Bench& b);

// Waits until the server has no open stream, prodding it with a page so that reset streams
// fail their next write. False after 60 s.
asio::awaitable<bool> wait_no_subscribers(Bench& b, int round_no);

}  // namespace fanout
