// Fuzz target: the replication frames and pgoutput messages the worker decodes (CDC-001..004,
// SEC-038), outside and inside stream blocks (proto 2). Bytes come from the walsender, but row
// contents are whatever apps wrote: every input must decode or be rejected, never crash,
// over-read or loop. What a reader accepts, its writer must write back byte for byte.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "cdc/pgoutput.h"

namespace {
using namespace syncline::cdc;

void round_trip(std::string_view bytes, bool in_stream) {
  auto m = decode_message(bytes, in_stream);
  if (const auto* msg = std::get_if<Message>(&m))
    if (encode_message(*msg, in_stream) != bytes) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto frame = decode_frame(bytes);
  if (auto* f = std::get_if<Frame>(&frame)) {
    if (encode_frame(*f) != bytes) __builtin_trap();
    if (auto* x = std::get_if<XLogData>(f)) round_trip(x->payload, false);
  }
  round_trip(bytes, false);
  round_trip(bytes, true);  // a change inside a stream block
  return 0;
}
