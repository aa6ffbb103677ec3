// Statistics over latency samples (milliseconds) and their JSON number format.
#include "stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>

namespace fanout {

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

double maximum(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
}

std::string num(double v) {
  return fmt::format("{:.3f}", v);
}

}  // namespace fanout
