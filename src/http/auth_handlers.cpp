// Auth routes: sign-up, sign-in, sign-out, /me (DESIGN §4a).
#include <fmt/format.h>

#include <boost/json/array.hpp>

#include "auth/password.h"
#include "auth/sessions.h"
#include "auth/sign_in_backoff.h"
#include "auth/sign_in_limits.h"
#include "auth/sign_up_limits.h"
#include "auth/users.h"
#include "common/json_input.h"
#include "common/strings.h"
#include "http/client_address.h"
#include "http/routes.h"
#include "orgs/control.h"
#include "orgs/invitations.h"
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

// ADOPT-004: with --local-accounts off, identity comes from the provider's JWTs only.
Result<void> local_accounts_on(const Context& ctx) {
  if (ctx.config().local_accounts) return {};
  return make_error(ErrorKind::kForbidden, "LOCAL_ACCOUNTS_OFF",
                    "this server takes no local accounts; sign in with your identity provider");
}

Result<Response> sign_up(Request& req, Context& ctx) {
  if (auto on = local_accounts_on(ctx); !on) return on.error();
  auto body = parse_json_object(req);
  if (!body) return body.error();
  auto nu = auth::parse_new_user(*body);
  if (!nu) return nu.error();
  // SEC-041: the address's bucket, then a taken email, before any hashing.
  const auto client = client_key(req, ctx.config());
  if (auto r = auth::SignUpLimits::instance(ctx.config().sign_up_burst)
                   .admit(client, auth::SignUpLimits::Clock::now());
      !r)
    return r.error();
  if (auth::email_taken(ctx.db(), nu->email))
    return conflict("EMAIL_TAKEN", "an account with this email already exists");
  if (auto r = auth::SignUpLimits::count(ctx.db(), client, ctx.config().sign_ups_per_hour); !r)
    return r.error();
  ctx.release_db();  // argon2id takes ≈0.1 s: do not hold a connection meanwhile
  auto hash = auth::hash_password(nu->password, client);  // a fair turn at argon2id
  if (!hash) return hash.error();
  auto& c = ctx.db();
  db::Transaction tx(c);
  auto user = auth::create_user(c, *nu, *hash);
  if (!user) return user.error();
  auto token = auth::create_session(c, user->id, ctx.config().session_days);
  tx.commit();
  return signed_in(req, ctx, 201, *user, token);
}

Result<Response> sign_in(Request& req, Context& ctx) {
  if (auto on = local_accounts_on(ctx); !on) return on.error();
  auto body = parse_json_object(req);
  if (!body) return body.error();
  if (auto r = reject_unknown(*body, {"email", "password"}, "sign-in body"); !r) return r.error();
  auto email = required_string(*body, "email", 1, 254);
  if (!email) return email.error();
  auto password = required_string(*body, "password", 1, 1024);
  if (!password) return password.error();
  // SEC-042..045: the address and the account may have to wait (before any hashing).
  const auto client = client_key(req, ctx.config());
  const auto now = auth::SignInLimits::Clock::now();
  if (auto r = auth::SignInLimits::instance().admit_address(client, now); !r) return r.error();
  auto found = auth::find_user_for_sign_in(ctx.db(), *email);
  const auto account = auth::load_sign_in_account(
      ctx.db(), found ? std::optional<std::string>(found->first.id) : std::nullopt, *email);
  if (auto r = auth::SignInLimits::admit_account(account.record, client, now); !r) return r.error();
  ctx.release_db();  // argon2id takes ≈0.1 s: do not hold a connection meanwhile
  bool ok = false;
  if (!found) {
    if (auto r = auth::burn_verify_time(*password, client); !r) return r.error();
  } else {
    auto verified = auth::verify_password(found->second, *password, client);
    if (!verified) return verified.error();
    ok = *verified;
  }
  auth::record_sign_in(ctx.db(), account.key, client, ok);
  if (!ok) return unauthorized("INVALID_CREDENTIALS", "wrong email or password");
  auto token = auth::create_session(ctx.db(), found->first.id, ctx.config().session_days);
  return signed_in(req, ctx, 200, found->first, token);
}

Result<Response> sign_out(Request& req, Context& ctx) {
  auto p = ctx.principal();
  if (!p) return p.error();
  auto& c = ctx.db();
  db::Transaction tx(c);
  auth::delete_session(c, *ctx.presented_token());
  orgs::notify_control(c, std::nullopt, (*p)->user_id);  // streams of this session re-check
  tx.commit();
  ctx.forget_access((*p)->user_id, std::nullopt);
  auto resp = no_content();
  resp.headers.emplace_back("Set-Cookie", session_cookie(req, ctx.config(), "", 0));
  return resp;
}

Result<Response> me(Request&, Context& ctx) {
  auto principal = ctx.principal();
  if (!principal) return principal.error();
  const auth::Principal& p = **principal;
  auto& c = ctx.db();
  if (p.external) orgs::ensure_external_user(c, p);
  auto user = auth::find_user_by_id(c, p.user_id);
  if (!user) return unauthorized();
  auto user_json = user->to_json();
  // An external user's address is the token's (the stored one is a placeholder).
  if (p.external) {
    user_json["email"] = p.email.empty() ? json::value(nullptr) : json::value(p.email);
    user_json["subject"] = p.subject;  // as the identity provider issued it (ADOPT-004)
  }
  json::array memberships;
  for (const auto& o : p.external ? orgs::external_orgs(c, p) : orgs::orgs_of_user(c, p.user_id))
    memberships.push_back({{"organizationId", o.id},
                           {"slug", o.slug.empty() ? json::value(nullptr) : json::value(o.slug)},
                           {"name", o.name},
                           {"role", o.role ? json::value(*o.role) : nullptr}});
  // Invitations are for local accounts (a JWT's orgs come from its claims).
  auto invitations = p.external ? json::array() : orgs::invitations_for(c, p.user_id);
  return json_response(200, {{"user", std::move(user_json)},
                             {"memberships", std::move(memberships)},
                             {"invitations", std::move(invitations)}});
}
}  // namespace

void add_auth_routes(Router& r) {
  r.add("POST", "/auth/sign-up", sign_up, Lane::kPassword);
  r.add("POST", "/auth/sign-in", sign_in, Lane::kPassword);
  r.add("POST", "/auth/sign-out", sign_out);
  r.add("GET", "/me", me);
}

}  // namespace syncline::http
