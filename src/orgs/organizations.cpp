#include "orgs/organizations.h"

#include <regex>

#include "common/json_input.h"
#include "common/random.h"
#include "common/strings.h"
#include "db/array.h"
#include "db/connection.h"
#include "db/sql.h"
#include "orgs/control.h"

namespace syncline::orgs {

namespace json = boost::json;

namespace {
const std::string kOrgColumns =
    "o.id, o.slug, o.name, " + db::rfc3339("o.created_at") + ", o.created_by";

// External users get a placeholder address Syncline never mails and cannot sign in with a
// password ('!' is no argon2id hash); the id is the token's `sub`.
const std::string kEnsureUser =
    "INSERT INTO users (id, email, name, password_hash)"
    " SELECT $1::text, $1::text || '@external.invalid', $2::text, '!'"
    " WHERE NOT EXISTS (SELECT 1 FROM users WHERE id = $1) ON CONFLICT DO NOTHING";

Org org_from(const db::Rows& r, int row) {
  Org o{std::string(r.get(row, 0)),
        std::string(r.get(row, 1)),
        std::string(r.get(row, 2)),
        std::string(r.get(row, 3)),
        r.opt(row, 4),
        std::nullopt};
  return o;
}
}  // namespace

json::object Org::to_json() const {
  json::object o{{"id", id},
                 {"slug", slug.empty() ? json::value(nullptr) : json::value(slug)},
                 {"name", name},
                 {"createdAt", created_at},
                 {"createdBy", created_by ? json::value(*created_by) : nullptr}};
  if (role) o["role"] = *role;
  return o;
}

Result<NewOrg> parse_new_org(const json::object& body) {
  if (auto r = reject_unknown(body, {"name", "slug"}, "organization body"); !r) return r.error();
  auto name = required_string(body, "name", 1, 200);
  if (!name) return name.error();
  auto slug = required_string(body, "slug", 1, 63);
  if (!slug) return slug.error();
  static const std::regex kSlug("^[a-z0-9][a-z0-9-]{0,62}$");
  if (!std::regex_match(*slug, kSlug))
    return bad_request("INVALID_FIELD",
                       "'slug' must be 1..63 of [a-z0-9-], starting with a letter or digit");
  return NewOrg{std::move(*name), std::move(*slug)};
}

Result<Org> create_org(db::Connection& c, const std::string& creator_id, const NewOrg& n,
                       int max_created) {
  if (max_created > 0) {
    auto made = c.exec(
        "SELECT count(*) FROM organizations WHERE created_by ="
        " (SELECT id FROM users WHERE id = $1 FOR UPDATE)",
        {creator_id});
    if (made.get_int(0, 0) >= max_created)
      return too_many_requests("TOO_MANY_ORGS",
                               "this account has created the most organizations allowed", 60);
  }
  auto r = c.exec(
      // ADOPT-004: a slug never equals an org id (ids resolve first; a JWT's org ids are any).
      "INSERT INTO organizations AS o (id, slug, name, created_by)"
      " SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM organizations WHERE id = $2)"
      " ON CONFLICT (slug) DO NOTHING RETURNING " +
          kOrgColumns,
      {prefixed_id("org"), n.slug, n.name, creator_id});
  if (r.empty()) return conflict("SLUG_TAKEN", "an organization with this slug already exists");
  Org org = org_from(r, 0);
  c.exec("INSERT INTO memberships(id, organization_id, user_id, role) VALUES ($1, $2, $3, 'admin')",
         {prefixed_id("mem"), org.id, creator_id});
  notify_control(c, org.id, creator_id);
  org.role = "admin";
  return org;
}

std::optional<Org> find_org(db::Connection& c, const std::string& id_or_slug) {
  auto r = c.exec("SELECT " + kOrgColumns +
                      " FROM organizations o WHERE o.id = $1 OR o.slug = $1"
                      " ORDER BY o.id = $1 DESC LIMIT 1",  // an id before a slug (ADOPT-004)
                  {id_or_slug});
  if (r.empty()) return std::nullopt;
  return org_from(r, 0);
}

std::vector<Org> orgs_of_user(db::Connection& c, const std::string& user_id) {
  auto r = c.exec("SELECT " + kOrgColumns +
                      ", m.role FROM organizations o JOIN memberships m ON m.organization_id = o.id"
                      " WHERE m.user_id = $1 ORDER BY o.created_at, o.id",
                  {user_id});
  std::vector<Org> out;
  for (int i = 0; i < r.size(); ++i) {
    out.push_back(org_from(r, i));
    out.back().role = std::string(r.get(i, 5));
  }
  return out;
}

namespace {
// Row layout: kOrgColumns (o.id NULL when no such org), then the membership role.
Result<OrgAccess> access_from(const db::Rows& r, int row, const auth::Principal& p) {
  if (r.is_null(row, 0)) return not_found("organization not found");
  OrgAccess a{org_from(r, row), r.opt(row, 5), p.system_admin};
  a.org.role = a.role;
  if (!a.role && !p.system_admin) return forbidden("not a member of this organization");
  return a;
}
}  // namespace

Result<OrgAccess> access_org(db::Connection& c, const auth::Principal& p,
                             const std::string& id_or_slug) {
  if (!is_valid_id(id_or_slug)) return not_found("organization not found");
  auto r = c.exec("SELECT " + kOrgColumns +
                      ", m.role FROM organizations o LEFT JOIN memberships m"
                      " ON m.organization_id = o.id AND m.user_id = $2"
                      " WHERE o.id = $1 OR o.slug = $1 ORDER BY o.id = $1 DESC LIMIT 1",
                  {id_or_slug, p.user_id});
  if (r.empty()) return not_found("organization not found");
  return access_from(r, 0, p);
}

std::optional<SessionAccess> session_and_org(db::Connection& c, const std::string& token_hash,
                                             const std::string& id_or_slug) {
  auto r = c.exec(
      "SELECT " + kOrgColumns +
          ", m.role, u.id, u.email, u.name, u.role = 'admin',"
          " (extract(epoch FROM s.expires_at) * 1000)::bigint"
          " FROM sessions s JOIN users u ON u.id = s.user_id"
          " LEFT JOIN organizations o ON (o.id = $2 OR o.slug = $2)"
          " LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = u.id"
          " WHERE s.token_hash = $1::bytea AND s.expires_at > now()"
          " ORDER BY o.id = $2 DESC NULLS LAST LIMIT 1",
      {db::bytea_param(token_hash), is_valid_id(id_or_slug) ? db::Param(id_or_slug) : db::Param()});
  if (r.empty()) return std::nullopt;
  auth::Principal p{std::string(r.get(0, 6)), std::string(r.get(0, 7)), std::string(r.get(0, 8)),
                    r.get_bool(0, 9)};
  auto access = access_from(r, 0, p);
  return SessionAccess{std::move(p), std::move(access), r.get_int(0, 10)};
}

namespace {
std::optional<std::string> claimed_role(const auth::Principal& p, const std::string& org_id) {
  for (const auto& [id, role] : p.org_roles)
    if (id == org_id) return role;
  return std::nullopt;
}
std::string display_name(const auth::Principal& p) {
  return p.name.empty() ? p.user_id : p.name;
}

// The org rows of `ids` (of the token's claim), created when missing, and the user row, in one
// statement whatever the number of orgs (the claim is bounded by the token's 8 KiB). A
// data-modifying CTE's rows are invisible to the outer SELECT, so both are read; two first uses
// at once: the loser's snapshot may predate the winner's insert, so a short answer is read again.
std::vector<Org> provision(db::Connection& c, const auth::Principal& p,
                           const std::vector<std::optional<std::string>>& ids) {
  auto read = [&] {
    return c.exec("WITH u AS (" + kEnsureUser +
                      "), c AS (SELECT DISTINCT unnest($3::text[]) AS id),"
                      " ins AS (INSERT INTO organizations AS o (id, slug, name)"
                      " SELECT c.id, NULL, c.id FROM c WHERE NOT EXISTS"
                      " (SELECT 1 FROM organizations e WHERE e.id = c.id)"
                      " ON CONFLICT DO NOTHING RETURNING " +
                      kOrgColumns + ") SELECT * FROM ins UNION ALL SELECT " + kOrgColumns +
                      " FROM organizations o WHERE o.id = ANY($3::text[])",
                  {p.user_id, display_name(p), db::array_literal(ids)});
  };
  auto r = read();
  if (static_cast<std::size_t>(r.size()) < ids.size()) r = read();
  std::vector<Org> out;
  for (int i = 0; i < r.size(); ++i) {
    out.push_back(org_from(r, i));
    out.back().role = claimed_role(p, out.back().id);
  }
  return out;
}
}  // namespace

Result<OrgAccess> external_access(db::Connection& c, const auth::Principal& p,
                                  const std::string& org_id) {
  auto role = claimed_role(p, org_id);
  if (!role) return forbidden("the token grants no access to organization '" + org_id + "'");
  auto orgs = provision(c, p, {org_id});
  if (orgs.empty()) return not_found("organization not found");
  return OrgAccess{std::move(orgs.front()), role, false};
}

void ensure_external_user(db::Connection& c, const auth::Principal& p) {
  c.exec(kEnsureUser, {p.user_id, display_name(p)});
}

std::vector<Org> external_orgs(db::Connection& c, const auth::Principal& p) {
  std::vector<std::optional<std::string>> ids;
  for (const auto& [id, role] : p.org_roles) ids.emplace_back(id);
  return ids.empty() ? std::vector<Org>{} : provision(c, p, ids);
}

}  // namespace syncline::orgs
