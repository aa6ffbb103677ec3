// One K round: open K streams, measure the idle floor, write and fan out, print the JSON lines.
#pragma once

#include "async.h"
#include "bench.h"

namespace fanout {

// One K round; false when it could not be measured.
asio::awaitable<bool> round_for(Bench& b, int round_no, int k);

}  // namespace fanout
