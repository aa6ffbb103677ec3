#include "auth/sign_in_backoff.h"

#include <chrono>
#include <cstdlib>

#include "db/sql.h"

namespace syncline::auth {

namespace {
// "{a,b}" (a text[] as Postgres prints it; our addresses hold no quotes, commas or braces).
std::vector<std::string> text_array(std::string_view v) {
  std::vector<std::string> out;
  if (v.size() < 2) return out;
  v = v.substr(1, v.size() - 2);
  while (!v.empty()) {
    auto comma = v.find(',');
    auto item = v.substr(0, comma);
    if (item.size() >= 2 && item.front() == '"') item = item.substr(1, item.size() - 2);
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return out;
}
}  // namespace

SignInAccount load_sign_in_account(db::Connection& c, const std::optional<std::string>& user_id,
                                   const std::string& email) {
  auto r = c.exec(
      "SELECT k.key, coalesce(b.failures, 0), extract(epoch FROM now() - b.last_failure)::float8,"
      " coalesce(b.known_addresses, '{}')"
      " FROM (SELECT coalesce($1::text, 'email:' || lower($2::text)) AS key) k"
      " LEFT JOIN sign_in_backoff b ON b.account = k.key",
      {user_id, email});
  SignInAccount out;
  out.key = std::string(r.get(0, 0));
  out.record.failures = static_cast<int>(r.get_int(0, 1));
  if (!r.is_null(0, 2)) {
    const double ago = std::strtod(std::string(r.get(0, 2)).c_str(), nullptr);
    out.record.last_failure =
        SignInLimits::Clock::now() - std::chrono::duration_cast<SignInLimits::Clock::duration>(
                                         std::chrono::duration<double>(ago));
  }
  out.record.known = text_array(r.get(0, 3));
  return out;
}

void record_sign_in(db::Connection& c, const std::string& key, const std::string& address,
                    bool success) {
  static const std::string kKept = std::to_string(SignInLimits::kKnownAddresses);
  if (success) {
    c.exec(
        "INSERT INTO sign_in_backoff AS b (account, failures, known_addresses)"
        " VALUES ($1, 0, ARRAY[$2::text])"
        " ON CONFLICT (account) DO UPDATE SET failures = 0, last_failure = NULL, seen_at = now(),"
        " known_addresses = (ARRAY[$2::text] || array_remove(b.known_addresses, $2::text))[1:" +
            kKept + "]",
        {key, address});
    return;
  }
  c.exec(
      "INSERT INTO sign_in_backoff AS b (account, failures, last_failure) VALUES ($1, 1, now())"
      " ON CONFLICT (account) DO UPDATE SET failures = b.failures + 1, last_failure = now(),"
      " seen_at = now() WHERE NOT ($2::text = ANY (b.known_addresses))",
      {key, address});
  // Bounded: guesses at addresses without an account leave rows; those idle an hour (past
  // the longest backoff) go, a few at a time.
  c.exec(
      "DELETE FROM sign_in_backoff WHERE account IN (SELECT account FROM sign_in_backoff"
      " WHERE account LIKE 'email:%' AND seen_at < now() - interval '1 hour' LIMIT 100)");
}

}  // namespace syncline::auth
