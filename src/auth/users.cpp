#include "auth/users.h"

#include "common/json_input.h"
#include "common/random.h"
#include "common/strings.h"
#include "db/sql.h"

namespace syncline::auth {

namespace json = boost::json;

namespace {
const std::string kUserColumns = "id, email, name, role, " + db::rfc3339("created_at");

User user_from(const db::Rows& r, int row) {
  return User{std::string(r.get(row, 0)), std::string(r.get(row, 1)), std::string(r.get(row, 2)),
              std::string(r.get(row, 3)), std::string(r.get(row, 4))};
}

}  // namespace

bool plausible_email(const std::string& e) {
  auto at = e.find('@');
  return at != std::string::npos && at > 0 && at + 1 < e.size() &&
         e.find('@', at + 1) == std::string::npos &&
         e.find_first_of(" \t\r\n") == std::string::npos;
}

json::object User::to_json() const {
  return {{"id", id}, {"email", email}, {"name", name}, {"role", role}, {"createdAt", created_at}};
}

Result<NewUser> parse_new_user(const json::object& body) {
  if (auto r = reject_unknown(body, {"email", "password", "name"}, "sign-up body"); !r)
    return r.error();
  NewUser u;
  auto email = required_string(body, "email", 3, 254);
  if (!email) return email.error();
  if (!plausible_email(*email))
    return bad_request("INVALID_FIELD", "'email' is not an email address");
  // ADOPT-004: JWT users hold <id>@external.invalid (RFC 2606: never deliverable); an account
  // taking that address first would lock the real user out.
  if (to_lower(*email).ends_with(".invalid"))
    return bad_request("INVALID_FIELD", "'email' is in the reserved .invalid domain");
  auto password = required_string(body, "password", 8, 1024);
  if (!password) return password.error();
  auto name = required_string(body, "name", 1, 200);
  if (!name) return name.error();
  u.email = std::move(*email);
  u.password = std::move(*password);
  u.name = std::move(*name);
  return u;
}

Result<User> create_user(db::Connection& c, const NewUser& u, const std::string& hash) {
  auto r = c.exec(
      "INSERT INTO users(id, email, name, password_hash, role)"
      " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING " +
          kUserColumns,
      {prefixed_id("usr"), u.email, u.name, hash, u.system_admin ? "admin" : "user"});
  if (r.empty()) return conflict("EMAIL_TAKEN", "an account with this email already exists");
  return user_from(r, 0);
}

bool email_taken(db::Connection& c, const std::string& email) {
  return !c.exec("SELECT 1 FROM users WHERE email = $1", {email}).empty();
}

std::optional<User> find_user_by_id(db::Connection& c, const std::string& id) {
  auto r = c.exec("SELECT " + kUserColumns + " FROM users WHERE id = $1", {id});
  if (r.empty()) return std::nullopt;
  return user_from(r, 0);
}

std::optional<std::pair<User, std::string>> find_user_for_sign_in(db::Connection& c,
                                                                  const std::string& email) {
  auto r =
      c.exec("SELECT " + kUserColumns + ", password_hash FROM users WHERE email = $1", {email});
  if (r.empty()) return std::nullopt;
  return std::make_pair(user_from(r, 0), std::string(r.get(0, 5)));
}

}  // namespace syncline::auth
