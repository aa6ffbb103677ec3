// Auth routes: sign-up, sign-in, sign-out, /me (DESIGN §4a).
#include <fmt/format.h>

#include <boost/json/array.hpp>

#include "auth/password.h"
#include "auth/sessions.h"
#include "auth/sign_in_limits.h"
#include "auth/users.h"
#include "common/json_input.h"
#include "common/strings.h"
#include "http/client_address.h"
#include "http/routes.h"
#include "orgs/control.h"
#include "orgs/organizations.h"

namespace syncline::http {

namespace json = boost::json;

namespace {
std::string session_cookie(const Request& req, const Config& cfg, const std::string& token,
                           int max_age) {
  bool secure = cfg.cookie_secure || forwarded_https(req, cfg);
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}", auth::kSessionCookie,
                     token, max_age, secure ? "; Secure" : "");
}

Response signed_in(Request& req, Context& ctx, int status, const auth::User& user,
                   const std::string& token) {
  auto resp = json_response(status, {{"user", user.to_json()}, {"token", token}});
  resp.headers.emplace_back(
      "Set-Cookie", session_cookie(req, ctx.config(), token, ctx.config().session_days * 86400));
  resp.headers.emplace_back("Cache-Control", "no-store");
  return resp;
}

Response sign_up(Request& req, Context& ctx) {
  auto body = value_or_throw(parse_json_object(req));
  auto nu = value_or_throw(auth::parse_new_user(body));
  // Before taking a connection; a fair turn at argon2id for this client address.
  auto hash = auth::hash_password(nu.password, client_address(req, ctx.config()));
  auto& c = ctx.db();
  db::Transaction tx(c);
  auto user = value_or_throw(auth::create_user(c, nu, hash));
  auto token = auth::create_session(c, user.id, ctx.config().session_days);
  tx.commit();
  return signed_in(req, ctx, 201, user, token);
}

Response sign_in(Request& req, Context& ctx) {
  auto body = value_or_throw(parse_json_object(req));
  value_or_throw(reject_unknown(body, {"email", "password"}, "sign-in body"));
  auto email = value_or_throw(required_string(body, "email", 1, 254));
  auto password = value_or_throw(required_string(body, "password", 1, 1024));
  // SEC-042..045: the address and the account may have to wait (before any hashing).
  auto client = client_address(req, ctx.config());
  auto account = to_lower(email);
  auto& limits = auth::SignInLimits::instance();
  value_or_throw(limits.admit(client, account, auth::SignInLimits::Clock::now()));
  auto found = auth::find_user_for_sign_in(ctx.db(), email);
  ctx.release_db();  // argon2id takes ≈0.1 s: do not hold a connection meanwhile
  bool ok = false;
  if (!found) {
    auth::burn_verify_time(password, client);
  } else {
    ok = auth::verify_password(found->second, password, client);
  }
  limits.record(client, account, ok, auth::SignInLimits::Clock::now());
  if (ok) {
    auto token = auth::create_session(ctx.db(), found->first.id, ctx.config().session_days);
    return signed_in(req, ctx, 200, found->first, token);
  }
  throw ApiError(Error{401, "INVALID_CREDENTIALS", "wrong email or password", {}, {}});
}

Response sign_out(Request& req, Context& ctx) {
  const auto& p = ctx.principal();
  auto& c = ctx.db();
  db::Transaction tx(c);
  auth::delete_session(c, *ctx.presented_token());
  orgs::notify_control(c, std::nullopt, p.user_id);  // streams of this session re-check
  tx.commit();
  auto resp = no_content();
  resp.headers.emplace_back("Set-Cookie", session_cookie(req, ctx.config(), "", 0));
  return resp;
}

Response me(Request&, Context& ctx) {
  const auto& p = ctx.principal();
  auto& c = ctx.db();
  if (p.external) orgs::ensure_external_user(c, p);
  auto user = auth::find_user_by_id(c, p.user_id);
  if (!user) throw ApiError(unauthorized());
  auto user_json = user->to_json();
  // An external user's address is the token's (the stored one is a placeholder).
  if (p.external)
    user_json["email"] = p.email.empty() ? json::value(nullptr) : json::value(p.email);
  json::array memberships;
  for (const auto& o : p.external ? orgs::external_orgs(c, p) : orgs::orgs_of_user(c, p.user_id))
    memberships.push_back({{"organizationId", o.id},
                           {"slug", o.slug.empty() ? json::value(nullptr) : json::value(o.slug)},
                           {"name", o.name},
                           {"role", o.role ? json::value(*o.role) : nullptr}});
  return json_response(200,
                       {{"user", std::move(user_json)}, {"memberships", std::move(memberships)}});
}
}  // namespace

void add_auth_routes(Router& r) {
  r.add("POST", "/auth/sign-up", sign_up);
  r.add("POST", "/auth/sign-in", sign_in);
  r.add("POST", "/auth/sign-out", sign_out);
  r.add("GET", "/me", me);
}

}  // namespace syncline::http
