#include "common/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace syncline {

std::optional<int> RateLimiter::take(const std::string& key, Clock::time_point now) {
  MutexLock lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      std::erase_if(buckets_,
                    [&](const auto& kv) { return now - kv.second.seen > std::chrono::hours(1); });
      if (buckets_.size() >= max_keys_) buckets_.erase(buckets_.begin());
    }
    it = buckets_.emplace(key, Bucket{burst_, now}).first;
  }
  auto& b = it->second;
  b.tokens =
      std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.seen).count() * rate_);
  b.seen = now;
  if (b.tokens < 1) return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / rate_)));
  b.tokens -= 1;
  return std::nullopt;
}

}  // namespace syncline
