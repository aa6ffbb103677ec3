// Presence on the wire between API nodes (DESIGN §21, COLLAB): a node's batch of presence
// changes is one NOTIFY on `syncline_presence`, a JSON array of changes, at most
// kMaxPayloadBytes (a change is at most ~1.5 KB: its state is ≤ 1 KiB). A reader takes a
// payload only when every element is exactly a change (anything else: nullopt). Pure.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncline::wire {

inline constexpr const char* kPresenceChannel = "syncline_presence";

enum class PresenceAction { kJoin, kUpdate, kLeave };
const char* presence_action_name(PresenceAction a);

// One client's presence as it changed. `owner` and `scope` say who may see it (the entity's
// owner column for `own` read grants; its indexed fields for shapes) and never reach a client.
struct PresenceChange {
  PresenceAction action = PresenceAction::kJoin;
  std::string org_id, user_id, client_id;
  std::optional<std::string> entity_type, entity_id;  // both or neither: org-level presence
  boost::json::object state;
  std::optional<std::string> owner;
  boost::json::object scope;

  // What a client is sent: {"action","clientId","userId","entityType","entityId","state"}.
  boost::json::object client_json() const;
  // Per org, the key of one presence (a request touches only its caller's).
  std::string key() const { return user_id + '\x1f' + client_id; }
};

// The changes, in order, as payloads of at most kMaxPayloadBytes each.
std::vector<std::string> encode_presence(const std::vector<PresenceChange>& changes);
std::optional<std::vector<PresenceChange>> decode_presence(std::string_view payload);

}  // namespace syncline::wire
