// Fuzz target: HLC transaction ids (DATA-020..026, SEC-038), as the server and the client parse
// them: a parsed id formats back to the same text, and comparison agrees with text order.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sync/hlc.h"

using namespace syncline::sync;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  auto half = s.substr(0, size / 2), rest = s.substr(size / 2);
  auto a = parse_transaction_id(half), b = parse_transaction_id(rest);
  if (a && format_transaction_id(*a) != half) __builtin_trap();
  if (a && b) {
    int c = compare_transaction_ids(*a, *b);
    int text = half < rest ? -1 : half == rest ? 0 : 1;
    if (c != text) __builtin_trap();
  }
  return 0;
}
