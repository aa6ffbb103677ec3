#include "presence/store.h"

#include "common/json_parse.h"
#include "common/json_text.h"
#include "db/array.h"

namespace syncline::presence {

namespace json = boost::json;

namespace {

constexpr const char* kColumns =
    "organization_id, user_id, client_id, entity_type, entity_id, state::text, owner_id,"
    " scope::text";

wire::PresenceChange change_of(const db::Rows& r, int i, wire::PresenceAction a) {
  auto opt = [&](int col) {
    return r.is_null(i, col) ? std::nullopt : std::optional<std::string>(r.get(i, col));
  };
  wire::PresenceChange c;
  c.action = a;
  c.org_id = r.get(i, 0);
  c.user_id = r.get(i, 1);
  c.client_id = r.get(i, 2);
  c.entity_type = opt(3);
  c.entity_id = opt(4);
  c.state = parse_json(r.get(i, 5)).as_object();
  c.owner = opt(6);
  c.scope = parse_json(r.get(i, 7)).as_object();
  return c;
}

std::vector<wire::PresenceChange> changes_of(const db::Rows& r, wire::PresenceAction a) {
  std::vector<wire::PresenceChange> out;
  for (int i = 0; i < r.size(); ++i) out.push_back(change_of(r, i, a));
  return out;
}

Result<std::optional<std::string>> optional_text(const json::object& body, const char* key,
                                                 std::size_t max) {
  const auto* v = body.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_string() || v->as_string().empty() || v->as_string().size() > max)
    return bad_request("INVALID_PRESENCE", std::string(key) + " must be a string of 1 to " +
                                               std::to_string(max) + " bytes");
  return std::optional<std::string>(std::string(v->as_string()));
}

}  // namespace

bool valid_client_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxClientIdBytes) return false;
  for (char ch : id)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '_' && ch != '-')
      return false;
  return true;
}

Result<PresenceInput> parse_input(const json::object& body) {
  for (const auto& [k, v] : body)
    if (k != "clientId" && k != "entityType" && k != "entityId" && k != "state")
      return bad_request("INVALID_PRESENCE", "unknown member '" + std::string(k) + "'");
  PresenceInput in;
  const auto* id = body.if_contains("clientId");
  if (!id || !id->is_string() || !valid_client_id(id->as_string()))
    return bad_request("INVALID_PRESENCE", "clientId must be 1 to 64 of A-Z a-z 0-9 . _ -");
  in.client_id = std::string(id->as_string());
  auto type = optional_text(body, "entityType", 64);
  if (!type) return type.error();
  auto entity = optional_text(body, "entityId", 255);
  if (!entity) return entity.error();
  if (type->has_value() != entity->has_value())
    return bad_request("INVALID_PRESENCE", "entityType and entityId go together");
  in.entity_type = std::move(*type);
  in.entity_id = std::move(*entity);
  if (const auto* s = body.if_contains("state"); s && !s->is_null()) {
    if (!s->is_object()) return bad_request("INVALID_PRESENCE", "state must be an object");
    if (json_text(*s).size() > kMaxStateBytes)
      return bad_request("INVALID_PRESENCE", "state is over 1 KiB of JSON");
    in.state = s->as_object();
  }
  return in;
}

Result<PutOutcome> put(db::Connection& c, const std::string& org_id, const std::string& user_id,
                       const PresenceInput& in, const Visibility& v, std::chrono::seconds ttl) {
  const auto seconds = std::to_string(ttl.count());
  const auto state = json_text(in.state);
  // Unchanged: renewed, no event (the common heartbeat).
  auto renewed = c.exec(
      "UPDATE presence SET expires_at = now() + $4 * interval '1 s' WHERE organization_id = $1"
      " AND user_id = $2 AND client_id = $3 AND expires_at > now()"
      " AND entity_type IS NOT DISTINCT FROM $5 AND entity_id IS NOT DISTINCT FROM $6"
      " AND state = $7::jsonb RETURNING 1",
      {org_id, user_id, in.client_id, seconds, in.entity_type, in.entity_id, state});
  if (!renewed.empty()) return PutOutcome::kRenewed;
  // A live row of this key is an update; a new one (or an expired one, taken over) a join,
  // within the caps. The counts see live rows only.
  auto r = c.exec(
      "WITH live AS (SELECT 1 FROM presence WHERE organization_id = $1 AND user_id = $2 AND"
      " client_id = $3 AND expires_at > now()),"
      " room AS (SELECT EXISTS (SELECT 1 FROM live) OR ("
      "  (SELECT count(*) FROM (SELECT 1 FROM presence WHERE user_id = $2 AND expires_at > now()"
      "   LIMIT $10) u) < $10 AND"
      "  (SELECT count(*) FROM (SELECT 1 FROM presence WHERE organization_id = $1 AND"
      "   expires_at > now() LIMIT $11) o) < $11) AS ok)"
      " INSERT INTO presence (organization_id, user_id, client_id, entity_type, entity_id, state,"
      " owner_id, scope, expires_at) SELECT $1, $2, $3, $5, $6, $7::jsonb, $8, $9::jsonb,"
      " now() + $4 * interval '1 s' FROM room WHERE ok"
      " ON CONFLICT (organization_id, user_id, client_id) DO UPDATE SET entity_type ="
      " excluded.entity_type, entity_id = excluded.entity_id, state = excluded.state, owner_id ="
      " excluded.owner_id, scope = excluded.scope, expires_at = excluded.expires_at"
      " RETURNING EXISTS (SELECT 1 FROM live)",
      {org_id, user_id, in.client_id, seconds, in.entity_type, in.entity_id, state, v.owner,
       json_text(v.scope), std::to_string(kMaxPerUser), std::to_string(kMaxPerOrg)});
  if (r.empty())
    return too_many_requests("TOO_MANY_PRESENCES",
                             "at most 64 presences per user and 10,000 per organization", 10);
  return r.get_bool(0, 0) ? PutOutcome::kUpdated : PutOutcome::kJoined;
}

std::optional<wire::PresenceChange> remove(db::Connection& c, const std::string& org_id,
                                           const std::string& user_id,
                                           const std::string& client_id) {
  auto r = c.exec(std::string("DELETE FROM presence WHERE organization_id = $1 AND user_id = $2 AND"
                              " client_id = $3 RETURNING ") +
                      kColumns,
                  {org_id, user_id, client_id});
  if (r.empty()) return std::nullopt;
  return change_of(r, 0, wire::PresenceAction::kLeave);
}

std::vector<wire::PresenceChange> sweep(db::Connection& c, int limit) {
  // SKIP LOCKED: nodes sweeping at once take different rows, none waits for another.
  auto r = c.exec(std::string("DELETE FROM presence WHERE ctid IN (SELECT ctid FROM presence WHERE"
                              " expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING ") +
                      kColumns,
                  {std::to_string(limit)});
  return changes_of(r, wire::PresenceAction::kLeave);
}

std::vector<wire::PresenceChange> current(db::Connection& c, const std::vector<std::string>& orgs) {
  if (orgs.empty()) return {};
  auto r = c.exec(std::string("SELECT ") + kColumns +
                      " FROM presence WHERE organization_id = ANY($1::text[]) AND"
                      " expires_at > now() ORDER BY organization_id, user_id, client_id",
                  {db::array_literal({orgs.begin(), orgs.end()})});
  return changes_of(r, wire::PresenceAction::kJoin);
}

std::vector<wire::PresenceChange> current_in(db::Connection& c, const std::string& org,
                                             const std::optional<std::string>& entity_type,
                                             const std::optional<std::string>& entity_id) {
  auto r = c.exec(std::string("SELECT ") + kColumns +
                      " FROM presence WHERE organization_id = $1 AND expires_at > now()"
                      " AND ($2::text IS NULL OR entity_type = $2)"
                      " AND ($3::text IS NULL OR entity_id = $3) ORDER BY user_id, client_id",
                  {org, entity_type, entity_id});
  return changes_of(r, wire::PresenceAction::kJoin);
}

}  // namespace syncline::presence
