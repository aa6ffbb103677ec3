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

Result<void> SignUpLimits::count(db::Connection& c, const std::string& client_key, int per_hour) {
  auto r = c.exec(
      "INSERT INTO sign_up_counts AS s (client_key, hour, n)"
      " VALUES ($1, date_trunc('hour', now()), 1)"
      " ON CONFLICT (client_key, hour) DO UPDATE SET n = s.n + 1"
      " RETURNING n, ceil(3600 - extract(epoch FROM now() - date_trunc('hour', now())))::int",
      {client_key});
  const auto n = r.get_int(0, 0);
  // Bounded: a client's first sign-up of an hour drops the hours before the last.
  if (n == 1)
    c.exec("DELETE FROM sign_up_counts WHERE hour < date_trunc('hour', now()) - interval '1 hour'");
  if (n > per_hour)
    return too_many_requests("RATE_LIMITED",
                             "too many sign-ups from this address this hour; try again later",
                             static_cast<int>(r.get_int(0, 1)));
  return {};
}

}  // namespace syncline::auth
