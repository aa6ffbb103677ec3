#include "orgs/memberships.h"

#include "common/json_input.h"
#include "common/strings.h"
#include "db/sql.h"
#include "orgs/control.h"

namespace syncline::orgs {

namespace json = boost::json;

namespace {
const std::string kMemberSelect = "SELECT m.id, m.user_id, u.email, u.name, m.role, " +
                                  db::rfc3339("m.created_at") +
                                  " FROM memberships m JOIN users u ON u.id = m.user_id";

json::object member_from(const db::Rows& r, int i) {
  return {{"id", r.get(i, 0)},       {"organizationId", nullptr}, {"userId", r.get(i, 1)},
          {"email", r.get(i, 2)},    {"name", r.get(i, 3)},       {"role", r.get(i, 4)},
          {"createdAt", r.get(i, 5)}};
}

// Locks the org's admin memberships and the target's membership, so two concurrent
// demotions cannot both pass the last-admin check. 404 when the user is not a member;
// 409 LAST_ADMIN when `demoting` would remove the org's only admin.
Result<void> lock_for_change(db::Connection& c, const std::string& org_id,
                             const std::string& user_id, bool demoting) {
  auto admins = c.exec(
      "SELECT count(*) FROM (SELECT 1 FROM memberships WHERE organization_id = $1"
      " AND role = 'admin' FOR UPDATE) a",
      {org_id});
  auto cur =
      c.exec("SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2 FOR UPDATE",
             {org_id, user_id});
  if (cur.empty()) return not_found("membership not found");
  if (demoting && cur.get(0, 0) == "admin" && admins.get_int(0, 0) <= 1)
    return conflict("LAST_ADMIN", "an organization keeps at least one admin");
  return {};
}

}  // namespace

json::object find_member(db::Connection& c, const std::string& org_id, const std::string& user_id) {
  auto r =
      c.exec(kMemberSelect + " WHERE m.organization_id = $1 AND m.user_id = $2", {org_id, user_id});
  auto m = member_from(r, 0);
  m["organizationId"] = org_id;
  return m;
}

Result<std::string> parse_role(const json::object& body) {
  auto role = required_string(body, "role", 1, 16);
  if (!role) return role.error();
  if (*role != "admin" && *role != "member")
    return bad_request("INVALID_FIELD", "'role' must be 'admin' or 'member'");
  return *role;
}

json::array list_members(db::Connection& c, const std::string& org_id) {
  auto r =
      c.exec(kMemberSelect + " WHERE m.organization_id = $1 ORDER BY m.created_at, m.id", {org_id});
  json::array out;
  for (int i = 0; i < r.size(); ++i) {
    auto m = member_from(r, i);
    m["organizationId"] = org_id;
    out.push_back(std::move(m));
  }
  return out;
}

Result<json::object> change_role(db::Connection& c, const std::string& org_id,
                                 const std::string& user_id, const json::object& body) {
  if (auto r = reject_unknown(body, {"role"}, "membership body"); !r) return r.error();
  auto role = parse_role(body);
  if (!role) return role.error();
  if (!is_valid_id(user_id)) return not_found("membership not found");
  db::Transaction tx(c);
  if (auto ok = lock_for_change(c, org_id, user_id, *role != "admin"); !ok) return ok.error();
  c.exec("UPDATE memberships SET role = $3 WHERE organization_id = $1 AND user_id = $2",
         {org_id, user_id, *role});
  notify_control(c, org_id, user_id);
  auto m = find_member(c, org_id, user_id);
  tx.commit();
  return m;
}

Result<void> remove_member(db::Connection& c, const std::string& org_id,
                           const std::string& user_id) {
  if (!is_valid_id(user_id)) return not_found("membership not found");
  db::Transaction tx(c);
  if (auto ok = lock_for_change(c, org_id, user_id, true); !ok) return ok.error();
  c.exec("DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2", {org_id, user_id});
  notify_control(c, org_id, user_id);
  tx.commit();
  return {};
}

}  // namespace syncline::orgs
