// Stream offsets (STREAM-001..008): `-1` (the current sync epoch's start), `now` (the org's
// highest activity id; the default) or an activity id; a Last-Event-ID header overrides the
// query parameter (EventSource resends the original URL). An id below the current epoch's
// first activity − 1 is 409 OFFSET_INVALID: the slot was recreated, so history before it is
// not continuous and the client must reload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "db/connection.h"

namespace syncline::stream {

// The current sync epoch's id (0 before the first): a new one begins when the slot is recreated
// and when a synced table is truncated (CDC), and every stream opened in an older one is reset.
std::int64_t current_epoch(db::Connection& c);

Result<std::int64_t> resolve_offset(db::Connection& c, const std::string& org_id,
                                    const std::optional<std::string>& offset,
                                    const std::optional<std::string>& last_event_id);

}  // namespace syncline::stream
