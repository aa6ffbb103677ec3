// NOTIFY payloads on channel `syncline_activities` (DESIGN §5, CDC-010..021, CON-1):
//   {"orgId","activityId","entityType","entityId","action","tx","changedKeys","createdAt","entity",
//    "before"}
// (`before`: the old values of the filterable fields an update touched, or of all of them for a
// delete — routing of shape leaves, DESIGN §16; left out first, then `entity` set null, when the
// payload would exceed 7,500 bytes: Postgres caps a payload at 8,000), and, when one commit holds
// more than 100 activities of an org, one range doorbell
//   {"orgId","fromActivityId","toActivityId"}
// for that org instead, so a bulk change cannot fill the notification queue.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cdc/activity_builder.h"

namespace syncline::cdc {

inline constexpr const char* kActivityChannel = "syncline_activities";
inline constexpr std::size_t kMaxPayloadBytes = 7500;
inline constexpr std::size_t kDoorbellThreshold = 100;

struct StoredActivity {
  const PendingActivity* pending;
  std::int64_t id;
  std::string created_at;  // RFC 3339
};

std::string activity_payload(const StoredActivity& a);
// Payloads for one committed batch, in activity order (doorbells where an org is over the
// threshold, placed where that org's first activity would have been).
std::vector<std::string> notify_payloads(const std::vector<StoredActivity>& batch);

}  // namespace syncline::cdc
