// The activity wire format between the CDC worker and every API node's ActivityBus (DESIGN §5,
// CDC-010..021, AB-001..005): the channel names and each NOTIFY payload, its writer beside its
// reader (an activity's own JSON form is wire/activity.h's). A reader takes a payload only when it
// is exactly one of these shapes (anything else is nullopt, never half-used). Pure; fuzzed
// (fuzz/notice_fuzz.cpp).
//   syncline_activities: an activity {"orgId","activityId","entityType","entityId","action",
//                        "tx","changedKeys","createdAt","entity"[,"before"]}, or a range
//                        doorbell {"orgId","fromActivityId","toActivityId"};
//   syncline_control:    {"orgId": string|null, "userId"} (membership, role, session changes);
//   syncline_epoch:      the new sync epoch's id (written by SQL, cdc/setup.cpp).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wire/activity.h"

namespace syncline::wire {

inline constexpr const char* kActivityChannel = "syncline_activities";
inline constexpr const char* kControlChannel = "syncline_control";
inline constexpr const char* kEpochChannel = "syncline_epoch";
// Postgres refuses a NOTIFY payload over 8,000 bytes; the writer keeps a margin below it.
inline constexpr std::size_t kMaxNotifyBytes = 8000;
inline constexpr std::size_t kMaxPayloadBytes = 7500;
// More activities of one org in one commit than this: one doorbell for the org instead, so a
// bulk change cannot fill the notification queue.
inline constexpr std::size_t kDoorbellThreshold = 100;

struct DoorbellNotice {
  std::string org_id;
  std::int64_t from = 0, to = 0;  // inclusive activity ids
};

struct ControlNotice {
  std::string user_id;
  std::optional<std::string> org_id;  // nullopt: every org of the user
};

// At most kMaxPayloadBytes: too big, `before` goes first, then `entity` (set null), and if
// even that is too big, a doorbell for this one activity.
std::string encode(const Activity& a);
std::string encode(const DoorbellNotice& d);
std::string encode(const ControlNotice& c);
// The payloads of one committed batch, in activity order: a doorbell for each org over the
// threshold, placed where that org's first activity would have been.
std::vector<std::string> encode_batch(const std::vector<Activity>& batch);

using Notice = std::variant<Activity, DoorbellNotice>;
std::optional<Notice> decode_activity(std::string_view payload);
std::optional<ControlNotice> decode_control(std::string_view payload);

}  // namespace syncline::wire
