#include "auth/sign_in_limits.h"

#include <algorithm>
#include <cmath>

namespace syncline::auth {

namespace {
constexpr auto kIdle = std::chrono::hours(1);

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

SignInLimits& SignInLimits::instance() {
  static SignInLimits limits;
  return limits;
}

bool SignInLimits::known_address(const Account& a, const std::string& address) const {
  return std::find(a.known.begin(), a.known.end(), address) != a.known.end();
}

// Bounded: past kMaxEntries, forget accounts idle for an hour (nothing to remember by then);
// if all are recent, forget an arbitrary one rather than grow.
void SignInLimits::make_room(Clock::time_point now) {
  if (accounts_.size() < kMaxEntries) return;
  std::erase_if(accounts_, [&](const auto& kv) { return now - kv.second.seen > kIdle; });
  if (accounts_.size() >= kMaxEntries) accounts_.erase(accounts_.begin());
}

Result<void> SignInLimits::admit(const std::string& address, const std::string& account,
                                 Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (auto it = accounts_.find(account); it != accounts_.end()) {
    const auto& a = it->second;
    auto wait_until = a.last_failure + backoff(a.failures);
    if (!known_address(a, address) && now < wait_until)
      return limited("too many failed sign-ins for this account; wait before trying again",
                     seconds_until(wait_until - now));
  }
  if (auto wait = addresses_.take(address, now))
    return limited("too many sign-ins from this address; wait before trying again", *wait);
  return {};
}

void SignInLimits::record(const std::string& address, const std::string& account, bool success,
                          Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = accounts_.find(account);
  if (it == accounts_.end()) {
    make_room(now);
    it = accounts_.emplace(account, Account{}).first;
  }
  auto& a = it->second;
  a.seen = now;
  if (success) {
    a.failures = 0;
    a.known.erase(std::remove(a.known.begin(), a.known.end(), address), a.known.end());
    a.known.push_front(address);
    if (a.known.size() > kKnownAddresses) a.known.pop_back();
  } else if (!known_address(a, address)) {
    ++a.failures;
    a.last_failure = now;
  }
}

}  // namespace syncline::auth
