// Sign-ups per client key (SEC-050, DESIGN §20): a token bucket shaped like sign-in's (a burst,
// 20 by default: --sign-up-burst; one back per second) per address or IPv6 /64, so one place
// cannot mint accounts (and their argon2id hashes) faster than that. A refusal is 429 with
// Retry-After, before any hashing or database work.
#pragma once

#include <string>

#include "common/error.h"
#include "common/rate_limiter.h"

namespace syncline::auth {

class SignUpLimits {
 public:
  using Clock = RateLimiter::Clock;
  static constexpr double kPerSecond = 1;

  // The process's limits; `burst` counts on the first call (the node's configuration).
  static SignUpLimits& instance(int burst);
  Result<void> admit(const std::string& client_key, Clock::time_point now);

 private:
  explicit SignUpLimits(int burst) : addresses_(burst, kPerSecond) {}
  RateLimiter addresses_;
};

}  // namespace syncline::auth
