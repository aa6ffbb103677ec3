// Fuzz target: the native client's SSE parser (what a server, or whatever sits between, sends),
// SEC-038. The input is fed in chunks whose sizes come from its first byte, so line ends split
// across chunks are exercised too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "syncline/sse_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t step = 1 + data[0] % 17;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  std::size_t events = 0;
  syncline::client::SseParser p([&](const syncline::client::SseMessage& m) {
    ++events;
    if (m.event.empty()) __builtin_trap();  // defaults to "message"
  });
  for (std::size_t i = 0; i < bytes.size(); i += step) p.feed(bytes.substr(i, step));
  p.reset_connection();
  p.feed(bytes);
  return 0;
}
