// StreamEvent: one activity ready for subscribers. Its SSE frame is serialized once and
// shared (immutable) by every subscriber it is sent to (DESIGN §6).
//   event: change
//   id: <activityId>
//   data: {"data","fieldTx","entityType","entityId","action","activityId","changedKeys",
//          "createdAt","tx":{"transactionId","sourceId","changedField"}|null}   (STREAM-020..027)
// A bulk change of a type (DESIGN §18) is one marker instead, for streams opened with
// `features=refetch` (others are reset):
//   event: refetch
//   id: <activityId>
//   data: {"entityType","action":"refetch","activityId","createdAt"}
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wire/activity.h"

namespace syncline::stream {

struct StreamEvent;
using EventPtr = std::shared_ptr<const StreamEvent>;

struct StreamEvent {
  std::int64_t id = 0;
  std::string org_id;
  std::string entity_type;
  std::int64_t created_us = 0;            // the activity's createdAt, Unix µs (0: unparsable)
  std::optional<std::string> created_by;  // for `own` read policies
  std::shared_ptr<const std::string> frame;
  // For shapes (DESIGN §16): the entity as of this event (null: deleted or gone), what the
  // change touched, and the same event as a leave (`"action":"leave"`, `data` null) for
  // subscribers whose shape the entity is not in (or no longer in).
  std::shared_ptr<const boost::json::object> data;
  std::string action;
  std::vector<std::string> changed_keys;
  // The old values of the filterable fields the change touched (an update) or of all of them
  // (a delete), for routing leaves to the shapes the entity was in; null when not known (an
  // event read from the log): then every shape filtering on a touched field is a candidate.
  std::shared_ptr<const boost::json::object> before;
  EventPtr leave;  // null on a leave event itself and on a refetch
  bool refetch() const { return action == "refetch"; }
};

// The event of an activity, its frames built once (the entity's `data` null: deleted or gone).
EventPtr make_event(wire::Activity a);
// The JSON message inside a change frame (for the JSON catch-up page).
std::string_view message_json(const StreamEvent& e);

// Other SSE frames.
std::string offset_frame(std::int64_t cursor);     // event: offset, id: cursor
std::string error_frame(const std::string& code);  // event: error, {"code"}
std::string reset_frame();                         // event: reset (offset invalid)
inline constexpr const char* kKeepAliveFrame = ": keep-alive\n\n";

}  // namespace syncline::stream
