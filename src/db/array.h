// Postgres array literals for text-format parameters ('{"a","b",NULL}'), so a whole batch
// travels as one parameter per column (INSERT … SELECT FROM unnest(…)).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace syncline::db {

inline std::string array_literal(const std::vector<std::optional<std::string>>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    if (!items[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace syncline::db
