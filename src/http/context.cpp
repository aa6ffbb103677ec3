#include "http/context.h"

#include <sodium.h>

#include <chrono>

#include "auth/jwt.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/strings.h"

namespace syncline::http {

db::Connection& Context::db() {
  if (!lease_) lease_.emplace(pool_.acquire());
  return **lease_;
}

std::string Context::session_key() const {
  auto token = presented_token();
  if (!token) return "";
  const std::string bytes = hash_token(*token);
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  out.pop_back();
  return out;
}

std::optional<std::string> Context::presented_token() const {
  if (auto h = req_.header("authorization")) {
    std::string_view v = *h;
    if (v.size() > 7 && to_lower(v.substr(0, 7)) == "bearer ")
      return std::string(trim(v.substr(7)));
  }
  return req_.cookie(auth::kSessionCookie);
}

bool Context::by_cookie() const {
  return !req_.header("authorization") && req_.cookie(auth::kSessionCookie).has_value();
}

Result<std::optional<auth::Principal>> Context::external_principal(const std::string& token) const {
  const auto jwt = auth::jwt_verifier();
  if (!jwt || !auth::looks_like_jwt(token)) return std::optional<auth::Principal>();
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto claims = jwt->verify(token, now);
  if (!claims) return claims.error();
  auth::Principal p;
  p.user_id = auth::user_id_for_subject(claims->sub);
  p.subject = std::move(claims->sub);
  p.email = std::move(claims->email);
  p.name = std::move(claims->name);
  p.external = true;
  p.expires_at = claims->exp;
  p.org_roles = std::move(claims->orgs);
  return std::optional<auth::Principal>(std::move(p));
}

Result<const auth::Principal*> Context::principal() {
  if (principal_) return &*principal_;
  auto token = presented_token();
  if (!token) return unauthorized();
  auto external = external_principal(*token);
  if (!external) return external.error();
  if (*external) {
    principal_ = std::move(**external);
    return &*principal_;
  }
  auto p = auth::lookup_session(db(), *token);
  if (!p) return unauthorized("session is missing, expired or signed out");
  principal_ = std::move(*p);
  return &*principal_;
}

Result<const orgs::OrgAccess*> Context::org_access(const std::string& id_or_slug) {
  if (access_) return &*access_;
  auto token = presented_token();
  if (!principal_ && token) {
    auto external = external_principal(*token);
    if (!external) return external.error();
    if (*external) principal_ = std::move(**external);
  }
  if (principal_) {
    auto a = principal_->external ? orgs::external_access(db(), *principal_, id_or_slug)
                                  : orgs::access_org(db(), *principal_, id_or_slug);
    if (!a) return a.error();
    access_ = std::move(*a);
    return &*access_;
  }
  if (!token) return unauthorized();
  std::optional<orgs::SessionAccess> found;
  if (token->empty() || token->size() > 128)  // no session has such a token
    return unauthorized("session is missing, expired or signed out");
  const auto now = now_ms();
  const auto hash = hash_token(*token);  // once: the cache's key and the query's parameter
  if (cache_) found = cache_->find(hash, id_or_slug, now);
  if (!found) {
    const auto read_at = cache_ ? cache_->generation() : 0;
    found = orgs::session_and_org(db(), hash, id_or_slug);
    if (found && cache_) cache_->put(hash, id_or_slug, *found, now, read_at);
  }
  if (!found) return unauthorized("session is missing, expired or signed out");
  principal_ = std::move(found->principal);
  if (!found->access) return found->access.error();
  access_ = std::move(*found->access);
  return &*access_;
}

}  // namespace syncline::http
