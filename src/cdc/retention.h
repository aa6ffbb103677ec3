// A bounded activity log (DESIGN §18, DATA-SCALE-004): `--activity-retention 30d` (an age:
// s, m, h or d) or `200000` (a count of all rows, every org's). Unset: keep everything.
// The active CDC worker prunes by dropping whole partitions of the log (cdc/log_partitions.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace syncline::cdc {

struct Retention {
  std::optional<std::chrono::seconds> age;
  std::optional<std::int64_t> count;
  bool enabled() const { return age || count; }
};

// "30d", "12h", "90m", "3600s" or a count ("200000"); nullopt for anything else ("" = keep all,
// a disabled Retention).
std::optional<Retention> parse_retention(const std::string& text);

}  // namespace syncline::cdc
