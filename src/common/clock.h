// Wall-clock access in one place, so tests and the HLC guard agree on "now".
#pragma once

#include <cstdint>

namespace syncline {

// Milliseconds since the Unix epoch.
std::int64_t now_ms();
// Microseconds since the Unix epoch (latency histograms against stored timestamps).
std::int64_t now_us();

}  // namespace syncline
