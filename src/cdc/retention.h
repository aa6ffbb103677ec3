// A bounded activity log (DESIGN §18, DATA-SCALE-004): `--activity-retention 30d` (an age:
// s, m, h or d) or `200000` (a count of all rows, every org's). Unset: keep everything.
// prune_activities deletes, in one call, at most one batch of the oldest activities beyond the
// retention: first it raises each touched org's floor (activity_floors: the highest id pruned)
// and commits, then deletes the batch in a second short transaction, so no reader ever sees a
// row gone without its floor moved. Run by the active CDC worker only (on its writer connection,
// between source transactions). Throws db::DbError.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "db/connection.h"

namespace syncline::cdc {

struct Retention {
  std::optional<std::chrono::seconds> age;
  std::optional<std::int64_t> count;
  bool enabled() const { return age || count; }
};

// "30d", "12h", "90m", "3600s" or a count ("200000"); nullopt for anything else ("" = keep all,
// a disabled Retention).
std::optional<Retention> parse_retention(const std::string& text);

inline constexpr std::int64_t kPruneBatch = 5000;

// Rows deleted (0: nothing beyond the retention).
std::int64_t prune_activities(db::Connection& c, const Retention& r,
                              std::int64_t batch = kPruneBatch);

}  // namespace syncline::cdc
