// The bench's one time base: this process's steady clock.
#pragma once

#include <chrono>

namespace fanout {

using Clock = std::chrono::steady_clock;

}  // namespace fanout
