#include "http/context.h"

#include <chrono>

#include "auth/jwt.h"
#include "common/strings.h"

namespace syncline::http {

db::Connection& Context::db() {
  if (!lease_) lease_.emplace(pool_.acquire());
  return **lease_;
}

std::optional<std::string> Context::presented_token() const {
  if (auto h = req_.header("authorization")) {
    std::string_view v = *h;
    if (v.size() > 7 && to_lower(v.substr(0, 7)) == "bearer ")
      return std::string(trim(v.substr(7)));
  }
  return req_.cookie(auth::kSessionCookie);
}

std::optional<auth::Principal> Context::external_principal(const std::string& token) const {
  const auto* jwt = auth::jwt_verifier();
  if (!jwt || !auth::looks_like_jwt(token)) return std::nullopt;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto claims = value_or_throw(jwt->verify(token, now));
  auth::Principal p;
  p.user_id = std::move(claims.sub);
  p.email = std::move(claims.email);
  p.name = std::move(claims.name);
  p.external = true;
  p.expires_at = claims.exp;
  p.org_roles = std::move(claims.orgs);
  return p;
}

const auth::Principal& Context::principal() {
  if (!principal_) {
    auto token = presented_token();
    if (!token) throw ApiError(unauthorized());
    if ((principal_ = external_principal(*token))) return *principal_;
    auto p = auth::lookup_session(db(), *token);
    if (!p) throw ApiError(unauthorized("session is missing, expired or signed out"));
    principal_ = std::move(*p);
  }
  return *principal_;
}

const orgs::OrgAccess& Context::org_access(const std::string& id_or_slug) {
  if (access_) return *access_;
  if (auto token = presented_token(); !principal_ && token) principal_ = external_principal(*token);
  if (principal_ && principal_->external) {
    access_ = value_or_throw(orgs::external_access(db(), *principal_, id_or_slug));
    return *access_;
  }
  if (principal_) {
    access_ = value_or_throw(orgs::access_org(db(), *principal_, id_or_slug));
    return *access_;
  }
  auto token = presented_token();
  if (!token) throw ApiError(unauthorized());
  auto found = orgs::session_and_org(db(), *token, id_or_slug);
  if (!found) throw ApiError(unauthorized("session is missing, expired or signed out"));
  principal_ = std::move(found->principal);
  access_ = value_or_throw(std::move(found->access));
  return *access_;
}

}  // namespace syncline::http
