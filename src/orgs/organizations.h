// Organizations: the tenancy boundary of every synced entity. An org is addressed by id
// ("org_…") or slug ([a-z0-9-], never containing '_', so the two never collide).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth/sessions.h"
#include "common/error.h"
#include "db/connection.h"

namespace syncline::orgs {

struct Org {
  std::string id;
  std::string slug;
  std::string name;
  std::string created_at;
  std::optional<std::string> created_by;
  std::optional<std::string> role;  // the caller's membership role, when known
  boost::json::object to_json() const;
};

struct NewOrg {
  std::string name;
  std::string slug;
};

Result<NewOrg> parse_new_org(const boost::json::object& body);
// Creates the org and makes the creator its admin, in one transaction the caller owns.
// 409 SLUG_TAKEN when the slug exists; 429 TOO_MANY_ORGS when the creator already made
// `max_created` (SEC-050: counted in the database, so on every node; the creator's row is
// locked meanwhile, so racing creates cannot pass it together). 0: no limit (commands).
Result<Org> create_org(db::Connection& c, const std::string& creator_id, const NewOrg& o,
                       int max_created = 0);
std::optional<Org> find_org(db::Connection& c, const std::string& id_or_slug);
std::vector<Org> orgs_of_user(db::Connection& c, const std::string& user_id);

// The org addressed by a route and the caller's role in it. 404 when the org does not
// exist, 403 when the caller is neither a member nor a system admin (SEC-001..005).
struct OrgAccess {
  Org org;
  std::optional<std::string> role;  // 'admin' | 'member' | nullopt for a system admin
  bool system_admin = false;
  bool is_org_admin() const { return system_admin || role == "admin"; }
};
Result<OrgAccess> access_org(db::Connection& c, const auth::Principal& p,
                             const std::string& id_or_slug);

// The same as lookup_session() followed by access_org(), in one query (the hot path of
// every org-scoped request). nullopt when the session is missing or expired.
struct SessionAccess {
  auth::Principal principal;
  Result<OrgAccess> access;
  std::int64_t session_expires_ms = 0;  // the session's expiry, Unix ms
};
// token_hash: hash_token() of the presented token (also the access cache's key).
std::optional<SessionAccess> session_and_org(db::Connection& c, const std::string& token_hash,
                                             const std::string& id_or_slug);

// External identity (JWT-003..005): the org must be in the token's claim (else 403) and is
// addressed by id; the org and user rows the foreign keys need are created on first use, in the
// same statement that reads the org.
Result<OrgAccess> external_access(db::Connection& c, const auth::Principal& p,
                                  const std::string& org_id);
// Creates the user row of an external principal if it does not exist yet.
void ensure_external_user(db::Connection& c, const auth::Principal& p);
// The orgs of the token's claim (created when missing), with the claim's roles.
std::vector<Org> external_orgs(db::Connection& c, const auth::Principal& p);

}  // namespace syncline::orgs
