// Sign-in limits (SEC-042..045): sign-in cannot be used to guess passwords quickly, nor to
// lock other people out.
//   - Per client address: a token bucket (kAddressBurst attempts, refilled at kAddressPerSecond).
//   - Per account (the email asked for, registered or not, so 429s reveal nothing): after
//     kFreeFailures consecutive failures, each further attempt waits 2^(n − kFreeFailures) s
//     after the last failure, up to kMaxBackoff. Addresses the account signed in from before
//     are exempt (the owner is not locked out by someone guessing elsewhere) and their failures
//     do not count.
//   - Refusals are 429 RATE_LIMITED with Retry-After; success resets the account.
// In-memory per node, bounded (kMaxEntries per map, idle entries swept). The clock is passed
// in, so the rules are unit-tested without waiting. Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/error.h"
#include "common/rate_limiter.h"

namespace syncline::auth {

class SignInLimits {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr double kAddressBurst = 20;
  static constexpr double kAddressPerSecond = 1;
  static constexpr int kFreeFailures = 3;
  static constexpr auto kMaxBackoff = std::chrono::seconds(900);
  static constexpr std::size_t kKnownAddresses = 4;
  static constexpr std::size_t kMaxEntries = 100'000;

  static SignInLimits& instance();

  // Takes one attempt from the address's bucket, or refuses (the address or the account must
  // wait first).
  Result<void> admit(const std::string& address, const std::string& account, Clock::time_point now);
  // The attempt's outcome.
  void record(const std::string& address, const std::string& account, bool success,
              Clock::time_point now);

 private:
  struct Account {
    int failures = 0;
    Clock::time_point last_failure;
    Clock::time_point seen;
    std::deque<std::string> known;  // addresses it signed in from, newest first
  };
  bool known_address(const Account& a, const std::string& address) const;
  void make_room(Clock::time_point now);

  RateLimiter addresses_{kAddressBurst, kAddressPerSecond, kMaxEntries};
  std::mutex mu_;  // accounts_
  std::unordered_map<std::string, Account> accounts_;
};

}  // namespace syncline::auth
