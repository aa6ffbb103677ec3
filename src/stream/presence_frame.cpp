#include "stream/presence_frame.h"

#include "common/json_text.h"

namespace syncline::stream {

namespace {
std::shared_ptr<const std::string> frame_of(const wire::PresenceChange& c) {
  return std::make_shared<const std::string>(
      "event: presence\ndata: " + json_text(c.client_json()) + "\n\n");
}
}  // namespace

PresencePtr make_presence(wire::PresenceChange change) {
  auto p = std::make_shared<PresenceFrame>();
  p->key = change.key();
  p->frame = frame_of(change);
  if (change.action == wire::PresenceAction::kLeave) {
    p->leave = p->frame;
  } else {
    wire::PresenceChange gone = change;
    gone.action = wire::PresenceAction::kLeave;
    gone.state = {};
    p->leave = frame_of(gone);
  }
  p->change = std::move(change);
  return p;
}

}  // namespace syncline::stream
