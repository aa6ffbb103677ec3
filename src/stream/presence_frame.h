// A presence change as the streams send it (DESIGN §21, COLLAB): `event: presence` with
// {"action","clientId","userId","entityType","entityId","state"} and no `id:` line (presence is
// not in the log). Built once per change and shared by every stream, with the leave a stream
// gets instead when the presence moved where that stream may not follow it.
#pragma once

#include <memory>
#include <string>

#include "wire/presence.h"

namespace syncline::stream {

struct PresenceFrame {
  wire::PresenceChange change;
  std::string key;  // the presence within its org
  std::shared_ptr<const std::string> frame, leave;
};
using PresencePtr = std::shared_ptr<const PresenceFrame>;

PresencePtr make_presence(wire::PresenceChange change);

}  // namespace syncline::stream
