// Catch-up reads of the activity log (STREAM-030..035): activities in id order joined with
// the entity tables for their current data (`data` null when the entity is gone), in pages.
// Used by SSE catch-up, the JSON catch-up page, and the bus (gaps, doorbells, fetch of an
// entity dropped from an oversized NOTIFY).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/connection.h"
#include "stream/event.h"

namespace syncline::stream {

inline constexpr int kCatchUpPage = 100;  // CON-4

struct Page {
  std::vector<EventPtr> events;
  std::int64_t scanned_to = 0;  // highest id read (the cursor, even if filtered out later)
  bool full = false;            // `limit` rows were read: there may be more
};

// Activities with after < id <= upto, of one org (or of every org when org_id is empty).
Page read_page(db::Connection& c, const std::string& org_id, std::int64_t after,
               std::int64_t upto = INT64_MAX, int limit = kCatchUpPage);

// Logical decoding may hand over a commit a moment before other sessions can see it (the commit
// record is flushed before the writer leaves the proc array), so a row read right after its
// activity can be the version before it: then every fieldTx sorts below the activity's
// transaction (HLC order). Reads below retry briefly until the row has caught up.
bool older_than_activity(const boost::json::value& tx, const boost::json::value& data,
                         const boost::json::value& field_tx);

// The current data and fieldTx of one entity (for payloads that arrived without it), at least
// as new as the activity whose transaction is `tx` (when it has one).
struct EntityState {
  boost::json::value data = nullptr;
  boost::json::value field_tx = boost::json::object{};
};
EntityState read_entity(db::Connection& c, const std::string& entity_type,
                        const std::string& org_id, const std::string& entity_id,
                        const boost::json::value& tx = nullptr);

// The org's highest activity id (0 when none): the `now` offset.
std::int64_t head_of(db::Connection& c, const std::string& org_id);

}  // namespace syncline::stream
