// Fuzz target: NOTIFY payloads as the bus reads them (AB-001..005, SEC-038): an accepted
// payload encodes back to one that decodes to the same notice (the writer and the reader agree),
// and the SSE frame built from an accepted activity is one line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json_text.h"
#include "stream/event.h"
#include "wire/notice.h"

using namespace syncline;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view payload(reinterpret_cast<const char*>(data), size);
  if (auto n = wire::decode_activity(payload)) {
    if (auto* a = std::get_if<wire::Activity>(&*n)) {
      auto again = wire::decode_activity(wire::encode(*a));
      if (!again) __builtin_trap();
      if (auto* b = std::get_if<wire::Activity>(&*again)) {
        // Equal unless encode had to cut the payload to fit (then before, then entity, go).
        // Values compare as a client reads them, by their JSON text: 1.0 is written 1 and read
        // back as an integer, an overflowing 1e400 is written null (JavaScript's JSON.stringify).
        if (b->id != a->id || b->org_id != a->org_id || b->action != a->action ||
            b->changed_keys != a->changed_keys ||
            (b->entity.is_object() && json_text(b->entity) != json_text(a->entity)))
          __builtin_trap();
      } else if (std::get<wire::DoorbellNotice>(*again).to != a->id) {  // too big for a payload
        __builtin_trap();
      }
      auto e = stream::make_event(std::move(*a));
      // One frame, one `data:` line: no raw newline may reach the stream.
      if (stream::message_json(*e).find('\n') != std::string_view::npos) __builtin_trap();
    } else {
      auto& d = std::get<wire::DoorbellNotice>(*n);
      auto again = wire::decode_activity(wire::encode(d));
      if (!again || std::get<wire::DoorbellNotice>(*again).to != d.to) __builtin_trap();
    }
  }
  if (auto c = wire::decode_control(payload)) {
    auto again = wire::decode_control(wire::encode(*c));
    if (!again || again->user_id != c->user_id || again->org_id != c->org_id) __builtin_trap();
  }
  return 0;
}
