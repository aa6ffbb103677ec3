// Sign-ups per client key (SEC-050, DESIGN §20), an address or an IPv6 /64:
//   - a token bucket shaped like sign-in's (a burst, 20 by default: --sign-up-burst; one back
//     per second), in memory per node, before any database work;
//   - at most --sign-ups-per-hour (30) in each clock hour, counted in Postgres, so on every
//     node and across restarts.
// So one place cannot mint accounts (and their argon2id hashes) faster than that. A refusal is
// 429 RATE_LIMITED with Retry-After, before any hashing.
#pragma once

#include <string>

#include "common/error.h"
#include "common/rate_limiter.h"
#include "db/connection.h"

namespace syncline::auth {

class SignUpLimits {
 public:
  using Clock = RateLimiter::Clock;
  static constexpr double kPerSecond = 1;

  // The process's limits; `burst` counts on the first call (the node's configuration).
  static SignUpLimits& instance(int burst);
  Result<void> admit(const std::string& client_key, Clock::time_point now);
  // Counts this sign-up in the client's hour (one statement); 429 past `per_hour`.
  static Result<void> count(db::Connection& c, const std::string& client_key, int per_hour);

 private:
  explicit SignUpLimits(int burst) : addresses_(burst, kPerSecond) {}
  RateLimiter addresses_;
};

}  // namespace syncline::auth
