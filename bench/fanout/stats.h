// Statistics over latency samples (milliseconds) and their JSON number format.
#pragma once

#include <string>
#include <vector>

#include "clock.h"

namespace fanout {

double ms_between(Clock::time_point from, Clock::time_point to);

// The nearest-rank p-quantile (0 <= p <= 1) of `v`; 0 when empty.
double percentile(std::vector<double> v, double p);

// The largest sample; 0 when empty.
double maximum(const std::vector<double>& v);

// A millisecond figure as printed in the JSON lines (three decimals).
std::string num(double v);

}  // namespace fanout
