// Fuzz target: the replication frames and pgoutput messages the worker decodes (CDC-001..004,
// SEC-038), outside and inside stream blocks (proto 2). Bytes come from the walsender, but row contents are whatever apps wrote: every
// input must decode or be rejected, never crash, over-read or loop.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "cdc/pgoutput.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto frame = syncline::cdc::decode_frame(bytes);
  if (auto* f = std::get_if<syncline::cdc::Frame>(&frame))
    if (auto* x = std::get_if<syncline::cdc::XLogData>(f)) syncline::cdc::decode_message(x->payload);
  syncline::cdc::decode_message(bytes);
  syncline::cdc::decode_message(bytes, /*in_stream=*/true);  // a change inside a stream block
  return 0;
}
