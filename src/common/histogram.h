// A Prometheus histogram of durations (seconds) with fixed buckets, for GET /metrics (issue 16
// item 6): cumulative `_bucket{le}`, `_sum`, `_count`. Lock-free: relaxed atomics, observe()
// from any thread; a scrape may see a sample in `_count` before `_sum` (Prometheus tolerates
// it: the series are monotonic).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace syncline {

class Histogram {
 public:
  // 0.5 ms … 10 s: request durations and lags of a realtime path, roughly ×2.5 per bucket.
  static constexpr std::array<double, 14> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10};

  void observe(double seconds);
  // The `# HELP`/`# TYPE` lines and every series, appended to `out`.
  void render(std::string& out, const char* name, const char* help) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};  // last: +Inf
  std::atomic<std::uint64_t> sum_us_{0};
  std::atomic<std::uint64_t> count_{0};
};

}  // namespace syncline
