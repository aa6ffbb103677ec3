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
    if (v.size() > 7 && to_lower(v.substr(0, 7)) == "bearer ") return std::string(trim(v.substr(7)));
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

}  // namespace syncline::http
