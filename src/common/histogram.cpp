#include "common/histogram.h"

#include <fmt/format.h>

#include <algorithm>

namespace syncline {

void Histogram::observe(double seconds) {
  seconds = std::max(seconds, 0.0);  // clocks of two hosts may disagree by a little
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const char* name, const char* help) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += i < kBounds.size()
               ? fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, kBounds[i], cumulative)
               : fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  }
  out += fmt::format("{}_sum {}\n{}_count {}\n", name,
                     static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6, name,
                     count_.load(std::memory_order_relaxed));
}

}  // namespace syncline
