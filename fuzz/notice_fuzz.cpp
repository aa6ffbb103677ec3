// Fuzz target: NOTIFY payloads as the bus reads them (AB-001..005, SEC-038), and the SSE frame
// built from an accepted activity.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "stream/notice.h"

using namespace syncline::stream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view payload(reinterpret_cast<const char*>(data), size);
  if (auto n = parse_activity_notice(payload))
    if (auto* a = std::get_if<ActivityNotice>(&*n)) {
      auto e = make_event(a->fields);
      // One frame, one `data:` line: no raw newline may reach the stream.
      auto json = message_json(*e);
      if (json.find('\n') != std::string_view::npos) __builtin_trap();
    }
  parse_control_notice(payload);
  return 0;
}
