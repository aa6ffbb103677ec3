#include "orgs/invitations.h"

#include "auth/users.h"
#include "common/json_input.h"
#include "common/random.h"
#include "common/strings.h"
#include "db/sql.h"
#include "orgs/control.h"
#include "orgs/memberships.h"

namespace syncline::orgs {

namespace json = boost::json;

namespace {

Error not_found_invitation() {
  return make_error(ErrorKind::kNotFound, "INVITATION_NOT_FOUND", "no such invitation");
}

// Who is invited: an address, and the account that holds it now (if any).
struct Invitee {
  std::string email;
  std::optional<std::string> user_id;
};

Result<Invitee> invitee_of(db::Connection& c, const json::object& body) {
  auto email = optional_string(body, "email", 254);
  if (!email) return email.error();
  auto user_id = optional_string(body, "userId", 64);
  if (!user_id) return user_id.error();
  if (email->has_value() == user_id->has_value())
    return bad_request("INVALID_BODY", "give exactly one of 'email' or 'userId'");
  if (user_id->has_value()) {
    auto u = c.exec("SELECT email FROM users WHERE id = $1", {**user_id});
    if (u.empty()) return make_error(ErrorKind::kNotFound, "USER_NOT_FOUND", "no such user");
    return Invitee{std::string(u.get(0, 0)), **user_id};
  }
  if (!auth::plausible_email(**email))
    return bad_request("INVALID_FIELD", "'email' is not an email address");
  // The same statements whether or not the address has an account: the answer must not tell.
  auto u = c.exec("SELECT id FROM users WHERE email = $1", {**email});
  return Invitee{**email, u.opt(0, 0)};
}

// The invitations of one org are changed one at a time (the pending count below holds). FOR NO
// KEY UPDATE: memberships' foreign keys (KEY SHARE) are not blocked by it.
Result<void> lock_org_invitations(db::Connection& c, const std::string& org_id,
                                  const std::string& email) {
  c.exec("SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE", {org_id});
  c.exec("DELETE FROM invitations WHERE organization_id = $1 AND expires_at <= now()", {org_id});
  auto pending =
      c.exec("SELECT count(*) FROM invitations WHERE organization_id = $1 AND email <> $2::citext",
             {org_id, email});
  if (pending.get_int(0, 0) >= kMaxPendingInvitations)
    return too_many_requests("TOO_MANY_INVITATIONS",
                             "this organization has " + std::to_string(kMaxPendingInvitations) +
                                 " pending invitations: revoke some, or wait for them to expire",
                             3600);
  return {};
}

const std::string kInvitationColumns = "i.id, i.organization_id, o.name, i.email, i.role, " +
                                       db::rfc3339("i.created_at") + ", " +
                                       db::rfc3339("i.expires_at");

json::object invitation_from(const db::Rows& r, int i) {
  return {
      {"id", r.get(i, 0)},       {"organizationId", r.get(i, 1)}, {"organizationName", r.get(i, 2)},
      {"email", r.get(i, 3)},    {"role", r.get(i, 4)},           {"createdAt", r.get(i, 5)},
      {"expiresAt", r.get(i, 6)}};
}

// The invitation `id` as its invitee `user_id` may see it, locked; nullopt when it is not
// addressed to that account. Column 7: expired; 8: the token is needed; 9: its hash matches.
db::Rows addressed_to(db::Connection& c, const std::string& id, const std::string& user_id,
                      const std::string& token_hash) {
  return c.exec("SELECT " + kInvitationColumns +
                    ", i.expires_at <= now(), i.user_id IS DISTINCT FROM u.id,"
                    " i.token_hash = $3::bytea"
                    " FROM invitations i JOIN organizations o ON o.id = i.organization_id"
                    " JOIN users u ON u.id = $2"
                    " WHERE i.id = $1 AND (i.user_id = u.id OR (i.user_id IS NULL AND"
                    " i.email = u.email)) FOR UPDATE OF i",
                {id, user_id, db::bytea_param(token_hash)});
}

}  // namespace

Result<json::object> invite(db::Connection& c, const std::string& org_id,
                            const std::string& inviter_id, const json::object& body) {
  if (auto r = reject_unknown(body, {"email", "userId", "role"}, "invitation body"); !r)
    return r.error();
  auto role = parse_role(body);
  if (!role) return role.error();
  db::Transaction tx(c);
  auto who = invitee_of(c, body);
  if (!who) return who.error();
  if (who->user_id && !c.exec("SELECT 1 FROM memberships WHERE organization_id = $1 AND"
                              " user_id = $2",
                              {org_id, *who->user_id})
                           .empty())
    return conflict("ALREADY_MEMBER", "the user is already a member");
  if (auto ok = lock_org_invitations(c, org_id, who->email); !ok) return ok.error();
  const auto token = random_token();
  auto r = c.exec(
      "INSERT INTO invitations AS i (id, organization_id, email, user_id, role, token_hash,"
      " invited_by, expires_at)"
      " VALUES ($1, $2, $3, $4, $5, $6::bytea, $7, now() + make_interval(days => $8::int))"
      " ON CONFLICT (organization_id, email) DO UPDATE SET user_id = EXCLUDED.user_id,"
      " role = EXCLUDED.role, token_hash = EXCLUDED.token_hash, invited_by = EXCLUDED.invited_by,"
      " created_at = now(), expires_at = EXCLUDED.expires_at"
      " RETURNING i.id, " +
          db::rfc3339("i.expires_at"),
      {prefixed_id("inv"), org_id, who->email, who->user_id, *role,
       db::bytea_param(hash_token(token)), inviter_id, std::to_string(kInvitationDays)});
  tx.commit();
  json::object out{{"id", r.get(0, 0)},
                   {"organizationId", org_id},
                   {"role", *role},
                   {"token", token},
                   {"expiresAt", r.get(0, 1)}};
  // Echo only what the admin gave: an invitation by user id does not reveal the address.
  if (body.contains("email"))
    out["email"] = who->email;
  else
    out["userId"] = *who->user_id;
  return out;
}

json::array org_invitations(db::Connection& c, const std::string& org_id) {
  auto r = c.exec("SELECT " + kInvitationColumns +
                      " FROM invitations i JOIN organizations o ON o.id = i.organization_id"
                      " WHERE i.organization_id = $1 AND i.expires_at > now()"
                      " ORDER BY i.created_at, i.id",
                  {org_id});
  json::array out;
  for (int i = 0; i < r.size(); ++i) out.push_back(invitation_from(r, i));
  return out;
}

json::array invitations_for(db::Connection& c, const std::string& user_id) {
  auto r = c.exec("SELECT " + kInvitationColumns +
                      ", i.user_id IS DISTINCT FROM u.id"
                      " FROM users u JOIN invitations i ON i.user_id = u.id OR"
                      " (i.user_id IS NULL AND i.email = u.email)"
                      " JOIN organizations o ON o.id = i.organization_id"
                      " WHERE u.id = $1 AND i.expires_at > now()"
                      " ORDER BY i.created_at, i.id LIMIT $2::int",
                  {user_id, std::to_string(kMaxPendingInvitations)});
  json::array out;
  for (int i = 0; i < r.size(); ++i) {
    auto inv = invitation_from(r, i);
    inv["tokenRequired"] = r.get_bool(i, 7);
    out.push_back(std::move(inv));
  }
  return out;
}

Result<json::object> accept(db::Connection& c, const std::string& invitation_id,
                            const std::string& user_id, const json::object& body) {
  if (auto r = reject_unknown(body, {"token"}, "acceptance body"); !r) return r.error();
  auto token = optional_string(body, "token", 128);
  if (!token) return token.error();
  if (!is_valid_id(invitation_id)) return not_found_invitation();
  db::Transaction tx(c);
  auto r = addressed_to(c, invitation_id, user_id, hash_token(token->value_or("")));
  if (r.empty()) return not_found_invitation();
  if (r.get_bool(0, 7)) {
    c.exec("DELETE FROM invitations WHERE id = $1", {invitation_id});
    tx.commit();
    return make_error(ErrorKind::kConflict, "INVITATION_EXPIRED",
                      "the invitation expired: ask for a new one");
  }
  if (r.get_bool(0, 8) && !(token->has_value() && r.get_bool(0, 9)))
    return make_error(ErrorKind::kForbidden, "INVITATION_TOKEN",
                      "this invitation was sent before your account held the address: accept it "
                      "with the token its inviter was given");
  const std::string org_id(r.get(0, 1));
  c.exec("DELETE FROM invitations WHERE id = $1", {invitation_id});
  auto added = c.exec(
      "INSERT INTO memberships(id, organization_id, user_id, role) VALUES ($1, $2, $3, $4)"
      " ON CONFLICT (organization_id, user_id) DO NOTHING RETURNING id",
      {prefixed_id("mem"), org_id, user_id, std::string(r.get(0, 4))});
  if (added.empty()) {
    tx.commit();  // the invitation is spent either way
    return conflict("ALREADY_MEMBER", "you are already a member");
  }
  notify_control(c, org_id, user_id);
  auto m = find_member(c, org_id, user_id);
  tx.commit();
  return m;
}

Result<void> discard(db::Connection& c, const std::string& invitation_id,
                     const std::string& user_id, bool system_admin) {
  if (!is_valid_id(invitation_id)) return not_found_invitation();
  auto r = c.exec(
      "DELETE FROM invitations i USING users u WHERE i.id = $1 AND u.id = $2 AND ($3::bool OR"
      " i.user_id = u.id OR (i.user_id IS NULL AND i.email = u.email) OR EXISTS (SELECT 1 FROM"
      " memberships m WHERE m.organization_id = i.organization_id AND m.user_id = u.id AND"
      " m.role = 'admin'))",
      {invitation_id, user_id, system_admin ? "true" : "false"});
  if (r.affected() == 0) return not_found_invitation();
  return {};
}

}  // namespace syncline::orgs
