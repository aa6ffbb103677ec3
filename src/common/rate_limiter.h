// Keyed token buckets (SEC-042, SEC-039): each key may spend `burst` at once and earns `rate`
// per second back. Bounded: past `max_keys`, keys idle for an hour are forgotten (their bucket
// is full again by then), and if none is, an arbitrary one, rather than growing. The clock is
// passed in (tests need no waiting). Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/mutex.h"

namespace syncline {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(double burst, double rate_per_second, std::size_t max_keys = 100'000)
      : burst_(burst), rate_(rate_per_second), max_keys_(max_keys) {}

  // Spends one token of `key`: nullopt when it had one, else the whole seconds until it will.
  std::optional<int> take(const std::string& key, Clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point seen;  // last refill
  };
  double burst_, rate_;
  std::size_t max_keys_;
  Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ SYNCLINE_GUARDED_BY(mu_);
};

}  // namespace syncline
