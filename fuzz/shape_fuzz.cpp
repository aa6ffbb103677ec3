// Fuzz target: a `shape` query parameter (DESIGN §16, SHAPE-002, SEC-038) parsed against the
// registry, then used: membership of a random entity and the list SQL. Every input is a shape
// or an Error value, never a crash; the SQL carries values only as parameters.
#include <boost/json/parse.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "entities/shape.h"

namespace json = boost::json;
using namespace syncline;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = entities::parse_shape(text);
  if (!s) return 0;
  boost::system::error_code ec;
  auto entity = json::parse(text, ec);  // the same bytes as an entity of each type
  const json::object empty;
  for (const auto& t : s->types) {
    (void)t.matches(!ec && entity.is_object() ? entity.as_object() : empty);
    db::Params params;
    auto sql = t.sql("t", params);
    // No value text in the SQL: no literal, no second statement, and every double quote pairs
    // around a column name (identifiers are quoted, ADOPT-003), never around input.
    for (std::size_t i = 0; i < sql.size(); ++i) {
      if (sql[i] == '\'' || sql[i] == ';') __builtin_trap();
      if (sql[i] != '"') continue;
      auto close = sql.find('"', i + 1);
      if (close == std::string::npos || close == i + 1) __builtin_trap();
      for (auto j = i + 1; j < close; ++j)
        if (!std::isalnum(static_cast<unsigned char>(sql[j])) && sql[j] != '_') __builtin_trap();
      i = close;
    }
  }
  return 0;
}
