// Sign-in limits (SEC-042..045, SEC-050): sign-in cannot be used to guess passwords quickly,
// nor to lock other people out.
//   - Per client key (an address; IPv6 by /64): a token bucket (kAddressBurst attempts,
//     refilled at kAddressPerSecond), in memory per node.
//   - Per account: after kFreeFailures consecutive failures, each further attempt waits
//     2^(n − kFreeFailures) s after the last failure, up to kMaxBackoff. Addresses the account
//     signed in from before are exempt (the owner is not locked out by someone guessing
//     elsewhere) and their failures do not count. The account's record lives in Postgres
//     (auth/sign_in_backoff.h), so it holds on every node and across restarts; this file
//     decides from it.
//   - Refusals are 429 RATE_LIMITED with Retry-After; success resets the account.
// The clock is passed in, so the rules are unit-tested without waiting. Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/rate_limiter.h"

namespace syncline::auth {

// An account's sign-in record as the database holds it.
struct AccountRecord {
  int failures = 0;  // counted failures since the last success
  std::optional<std::chrono::steady_clock::time_point> last_failure;
  std::vector<std::string> known;  // addresses it signed in from, newest first
  bool knows(const std::string& address) const;
};

class SignInLimits {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr double kAddressBurst = 20;
  static constexpr double kAddressPerSecond = 1;
  static constexpr int kFreeFailures = 3;
  static constexpr auto kMaxBackoff = std::chrono::seconds(900);
  static constexpr std::size_t kKnownAddresses = 4;

  static SignInLimits& instance();

  // Takes one attempt from the address's bucket, or refuses.
  Result<void> admit_address(const std::string& address, Clock::time_point now);
  // Whether the account lets this address try now (its backoff), before any hashing.
  static Result<void> admit_account(const AccountRecord& account, const std::string& address,
                                    Clock::time_point now);

 private:
  RateLimiter addresses_{kAddressBurst, kAddressPerSecond};
};

}  // namespace syncline::auth
