// Presence storage (DESIGN §21, COLLAB): who is where, in Syncline's UNLOGGED `presence` table
// (migration 015), the source of truth every node reads. A row lives until its `expires_at`
// (the TTL after its last PUT): a client that stops renewing — its tab closed, its node killed —
// is swept by whichever node sweeps first, and that node announces the leave. Keyed by (org,
// user, clientId): a request touches only its caller's rows. Bounds: ≤ 64 live presences per
// user, ≤ 10,000 per org (429 beyond), a state ≤ 1 KiB of JSON.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "db/connection.h"
#include "wire/presence.h"

namespace syncline::presence {

inline constexpr std::size_t kMaxStateBytes = 1024;
inline constexpr std::size_t kMaxClientIdBytes = 64;
inline constexpr int kMaxPerUser = 64;
inline constexpr int kMaxPerOrg = 10000;

// A PUT's body, checked: {"clientId", "entityType"?, "entityId"?, "state"?}. The entity type is
// checked against the registry by the caller (it also reads the entity).
struct PresenceInput {
  std::string client_id;
  std::optional<std::string> entity_type, entity_id;
  boost::json::object state;
};
Result<PresenceInput> parse_input(const boost::json::object& body);
// A clientId as a path segment or body member: 1..64 of [A-Za-z0-9._-] (a sourceId fits).
bool valid_client_id(std::string_view id);

enum class PutOutcome { kRenewed, kJoined, kUpdated };

// Who may see the presence (wire::PresenceChange::owner, scope): read from the entity.
struct Visibility {
  std::optional<std::string> owner;
  boost::json::object scope;
};

// Renews an unchanged presence (no event), else writes it: 429 when it would be the user's
// 65th or the org's 10,001st.
Result<PutOutcome> put(db::Connection& c, const std::string& org_id, const std::string& user_id,
                       const PresenceInput& in, const Visibility& v, std::chrono::seconds ttl);
// The caller's presence, gone (its leave), or nullopt when there was none.
std::optional<wire::PresenceChange> remove(db::Connection& c, const std::string& org_id,
                                           const std::string& user_id,
                                           const std::string& client_id);
// Deletes up to `limit` expired presences, whatever their node: their leaves.
std::vector<wire::PresenceChange> sweep(db::Connection& c, int limit);
// The live presences of these orgs, as joins.
std::vector<wire::PresenceChange> current(db::Connection& c, const std::vector<std::string>& orgs);
// The live presences of one org, on one entity type or entity when given (GET …/presence).
std::vector<wire::PresenceChange> current_in(db::Connection& c, const std::string& org,
                                             const std::optional<std::string>& entity_type,
                                             const std::optional<std::string>& entity_id);

}  // namespace syncline::presence
