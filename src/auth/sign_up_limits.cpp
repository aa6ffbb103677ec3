#include "auth/sign_up_limits.h"

namespace syncline::auth {

SignUpLimits& SignUpLimits::instance(int burst) {
  static SignUpLimits limits(burst);
  return limits;
}

Result<void> SignUpLimits::admit(const std::string& client_key, Clock::time_point now) {
  if (auto wait = addresses_.take(client_key, now))
    return too_many_requests(
        "RATE_LIMITED", "too many sign-ups from this address; wait before trying again", *wait);
  return {};
}

}  // namespace syncline::auth
