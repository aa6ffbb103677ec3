// Fuzz target: the HTTP request target (path segments and query, percent-decoded), SEC-038.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/strings.h"
#include "http/target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto t = syncline::http::parse_target(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!t) return 0;
  // What it gives out is text, always (it reaches SQL parameters and logs).
  if (!syncline::is_valid_text(t->path)) __builtin_trap();
  for (const auto& [k, v] : t->query)
    if (!syncline::is_valid_text(k) || !syncline::is_valid_text(v)) __builtin_trap();
  return 0;
}
