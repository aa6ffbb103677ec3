#include "http/context.h"

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

const auth::Principal& Context::principal() {
  if (!principal_) {
    auto token = presented_token();
    if (!token) throw ApiError(unauthorized());
    auto p = auth::lookup_session(db(), *token);
    if (!p) throw ApiError(unauthorized("session is missing, expired or signed out"));
    principal_ = std::move(*p);
  }
  return *principal_;
}

const orgs::OrgAccess& Context::org_access(const std::string& id_or_slug) {
  if (access_) return *access_;
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
