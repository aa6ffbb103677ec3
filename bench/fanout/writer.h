// The writer: R page creations per second for S seconds, each POST's send and 201 times recorded.
#pragma once

#include "async.h"
#include "bench.h"

namespace fanout {

// Creates opt.rate pages/s for opt.seconds s into b.writes / b.write_index, then sets `done`.
asio::awaitable<void> writer(Bench& b, int round_no, bool& done);

}  // namespace fanout
