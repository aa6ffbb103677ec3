// Context: what a handler may use while it runs on a worker thread: configuration, the
// caller's session (resolved lazily, once) and a database connection leased from the pool
// on first use and returned when the request ends.
#pragma once

#include <optional>

#include "auth/sessions.h"
#include "common/config.h"
#include "db/pool.h"
#include "http/message.h"
#include "orgs/access_cache.h"
#include "orgs/organizations.h"

namespace syncline::http {

class Context {
 public:
  // cache: this node's session/membership answers (orgs/access_cache.h); null: always asked.
  Context(const Config& cfg, db::Pool& pool, const Request& req, orgs::AccessCache* cache = nullptr)
      : cfg_(cfg), pool_(pool), req_(req), cache_(cache) {}

  const Config& config() const { return cfg_; }
  db::Connection& db();
  // Returns the leased connection to the pool before slow non-database work (argon2id);
  // db() leases again when needed.
  void release_db() { lease_.reset(); }
  // The signed-in user (a session or a JWT), or 401 as a value. The pointer lives as long as
  // the Context.
  Result<const auth::Principal*> principal();
  // The org addressed by a route and the caller's role in it, or 401, 404 or 403 as a value.
  // Resolves the session too, in the same query, when it is not known yet.
  Result<const orgs::OrgAccess*> org_access(const std::string& id_or_slug);
  // After a committed change of the user's access (role, membership, sign-out): this node's
  // cached answers go at once, so the caller's next request sees it; other nodes drop theirs
  // on the change's control notification.
  void forget_access(const std::string& user_id, const std::optional<std::string>& org_id) {
    if (cache_) cache_->invalidate_user(user_id, org_id);
  }
  // The bearer token or cookie value presented, if any.
  std::optional<std::string> presented_token() const;
  // True when the session comes from the cookie (no Authorization header): what a browser
  // also sends with another site's request.
  bool by_cookie() const;
  // The presented token's hash in hex ("" without one): what the session's stream caps and
  // revocations key on.
  std::string session_key() const;
  // The principal of a JWT when external identity is configured and the token is one; 401
  // (INVALID_TOKEN / TOKEN_EXPIRED) for a bad one; nullopt for a session token.
  Result<std::optional<auth::Principal>> external_principal(const std::string& token) const;

 private:
  const Config& cfg_;
  db::Pool& pool_;
  const Request& req_;
  orgs::AccessCache* cache_;
  std::optional<db::Lease> lease_;
  std::optional<auth::Principal> principal_;
  std::optional<orgs::OrgAccess> access_;
};

}  // namespace syncline::http
