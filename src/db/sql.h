// SQL fragments shared by modules that build statements.
#pragma once

#include <string>
#include <string_view>

namespace syncline::db {

// A timestamptz column rendered as RFC 3339 UTC with microseconds ("2026-11-25T15:20:14.520277Z").
inline std::string rfc3339(std::string_view column) {
  return "to_char(" + std::string(column) +
         " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
}

}  // namespace syncline::db
