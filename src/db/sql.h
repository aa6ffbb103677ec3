// SQL fragments shared by modules that build statements.
#pragma once

#include <string>
#include <string_view>

namespace syncline::db {

// An identifier as SQL text, always quoted: a reserved word ("order") or a mixed-case name
// ("displayName") means the column the schema file names, exactly (ADOPT-003).
inline std::string ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// A name we create objects under (our schema, a slot, a publication): lower-case letters,
// digits and '_', not starting with a digit, at most 63 bytes (NAMEDATALEN - 1), so it means
// the same quoted or not and Postgres never truncates it.
inline bool is_plain_identifier(std::string_view name) {
  if (name.empty() || name.size() > 63 || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// A timestamptz column rendered as RFC 3339 UTC with microseconds ("2026-11-25T15:20:14.520277Z").
inline std::string rfc3339(std::string_view column) {
  return "to_char(" + std::string(column) +
         " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
}

}  // namespace syncline::db
