// Catch-up reads of the activity log (STREAM-030..035): activities in id order joined with
// the entity tables for their current data (`data` null when the entity is gone), in pages of
// at most 100 activities and 4 MiB of entity JSON (SEC-030..033). The one reader of the log:
// SSE catch-up, the JSON catch-up page, and the bus's org lanes (entities cut from oversized
// NOTIFYs, doorbells, gaps) all read through read_log. Never waits: the CDC worker writes an
// activity only once its source transaction is visible (cdc/visibility.h), so a row read after its
// activity is at least as new as it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/connection.h"
#include "stream/event.h"
#include "stream/subscriber.h"

namespace syncline::stream {

inline constexpr int kCatchUpPage = 100;  // CON-4

// One page of an org's log as one reader sees it: the one reader of the log behind SSE
// catch-up, the JSON catch-up page and the bus's lanes (DESIGN §6, §18).
struct LogRead {
  std::vector<EventPtr> events;  // as the reader sees them (change, leave); all, without one
  std::int64_t cursor = 0;       // the highest id read (even if the reader saw nothing of it)
  bool more = false;             // cut by the page's count or bytes: read on from `cursor`
  // The reader's position is gone: the org's retention floor passed it (read after the page:
  // the floor is committed before its rows go), or a bulk change follows (`refetch`) that the
  // reader cannot take. It must reset (409 OFFSET_INVALID / `event: reset`) and reload.
  bool reset = false;
};

// Activities with after < id <= upto of the org, at most `limit` and kPageBytes of entities.
// `reader`: the stream's view (type filter, read policy, shape); null: every event as it is.
LogRead read_log(db::Connection& c, const std::string& org_id, std::int64_t after,
                 const Subscriber* reader, std::int64_t upto = INT64_MAX, int limit = kCatchUpPage);

// The org's highest activity id (0 when none): the `now` offset. Never below the sync epoch's
// boundary nor the org's retention floor.
std::int64_t head_of(db::Connection& c, const std::string& org_id);

// The org's retention floor: the highest id pruned (0: none). Offsets below it are invalid.
std::int64_t floor_of(db::Connection& c, const std::string& org_id);

}  // namespace syncline::stream
