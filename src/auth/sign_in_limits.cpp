#include "auth/sign_in_limits.h"

#include <algorithm>
#include <cmath>

namespace syncline::auth {

namespace {
int seconds_until(SignInLimits::Clock::duration d) {
  return static_cast<int>(std::ceil(std::chrono::duration<double>(d).count()));
}

Error limited(const std::string& why, int retry_after) {
  return too_many_requests("RATE_LIMITED", why, retry_after);
}

auto backoff(int failures) {
  int over = failures - SignInLimits::kFreeFailures;
  if (over < 0) return std::chrono::seconds(0);
  return std::min(SignInLimits::kMaxBackoff, std::chrono::seconds(1ll << std::min(over, 20)));
}
}  // namespace

bool AccountRecord::knows(const std::string& address) const {
  return std::find(known.begin(), known.end(), address) != known.end();
}

SignInLimits& SignInLimits::instance() {
  static SignInLimits limits;
  return limits;
}

Result<void> SignInLimits::admit_address(const std::string& address, Clock::time_point now) {
  if (auto wait = addresses_.take(address, now))
    return limited("too many sign-ins from this address; wait before trying again", *wait);
  return {};
}

Result<void> SignInLimits::admit_account(const AccountRecord& a, const std::string& address,
                                         Clock::time_point now) {
  // Free failures never wait (their backoff is 0; a last failure that seems ahead of `now` is
  // the skew of reading it back from the database's clock, not a reason to refuse).
  if (!a.last_failure || a.knows(address) || a.failures < kFreeFailures) return {};
  auto wait_until = *a.last_failure + backoff(a.failures);
  if (now < wait_until)
    return limited("too many failed sign-ins for this account; wait before trying again",
                   seconds_until(wait_until - now));
  return {};
}

}  // namespace syncline::auth
