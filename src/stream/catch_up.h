// Catch-up reads of the activity log (STREAM-030..035): activities in id order joined with
// the entity tables for their current data (`data` null when the entity is gone), in pages of
// at most 100 activities and 4 MiB of entity JSON (SEC-030..033). Used by SSE catch-up, the
// JSON catch-up page, and the bus's org lanes (entities cut from oversized NOTIFYs, doorbells,
// gaps). Never waits: the CDC worker writes an activity only once its source transaction is
// visible (cdc/visibility.h), so a row read after its activity is at least as new as it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/connection.h"
#include "stream/event.h"

namespace syncline::stream {

inline constexpr int kCatchUpPage = 100;  // CON-4

struct Page {
  std::vector<EventPtr> events;
  std::int64_t scanned_to = 0;  // highest id read (the cursor, even if filtered out later)
  bool full = false;            // cut by `limit` or by bytes: there may be more
  // The org's retention floor (DESIGN §18) is above `after`, read after the page: activities
  // the reader needed are pruned, so its position is invalid (409 OFFSET_INVALID / reset).
  bool pruned = false;
};

// Activities with after < id <= upto, of one org (or of every org when org_id is empty).
Page read_page(db::Connection& c, const std::string& org_id, std::int64_t after,
               std::int64_t upto = INT64_MAX, int limit = kCatchUpPage);

// The org's highest activity id (0 when none): the `now` offset. Never below the sync epoch's
// boundary nor the org's retention floor.
std::int64_t head_of(db::Connection& c, const std::string& org_id);

// The org's retention floor: the highest id pruned (0: none). Offsets below it are invalid.
std::int64_t floor_of(db::Connection& c, const std::string& org_id);

}  // namespace syncline::stream
