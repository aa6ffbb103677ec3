#include "auth/sessions.h"

#include "common/random.h"

namespace syncline::auth {

std::optional<Principal> lookup_session(db::Connection& c, const std::string& token) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  auto r = c.exec(
      "SELECT u.id, u.email, u.name, u.role = 'admin' FROM sessions s JOIN users u ON u.id = "
      "s.user_id"
      " WHERE s.token_hash = $1::bytea AND s.expires_at > now()",
      {db::bytea_param(hash_token(token))});
  if (r.empty()) return std::nullopt;
  return Principal{std::string(r.get(0, 0)), std::string(r.get(0, 1)), std::string(r.get(0, 2)),
                   r.get_bool(0, 3)};
}

std::string create_session(db::Connection& c, const std::string& user_id, int days) {
  auto token = random_token();
  c.exec(
      "INSERT INTO sessions(token_hash, user_id, expires_at)"
      " VALUES ($1::bytea, $2, now() + make_interval(days => $3::int))",
      {db::bytea_param(hash_token(token)), user_id, std::to_string(days)});
  return token;
}

bool delete_session(db::Connection& c, const std::string& token) {
  auto r = c.exec("DELETE FROM sessions WHERE token_hash = $1::bytea",
                  {db::bytea_param(hash_token(token))});
  return r.affected() > 0;
}

}  // namespace syncline::auth
