// The NOTIFY payloads a bus reads (AB-001..005, CDC-010..021), parsed once and checked as a
// whole: a payload that is not exactly one of these shapes is rejected (nullopt), never
// half-used. Pure; fuzzed (fuzz/notice_fuzz.cpp).
//   syncline_activities: an activity {"orgId","activityId","entityType","entityId","action",
//                        "tx","changedKeys","createdAt","entity"[,"before"]} (entity null
//                        when cut; before: old values of filterable fields, for routing), or
//                        a range doorbell {"orgId","fromActivityId","toActivityId"};
//   syncline_control:    {"orgId": string|null, "userId"}.
// (The writer is cdc/payload.h.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "stream/event.h"

namespace syncline::stream {

struct ActivityNotice {
  ActivityFields fields;
  bool complete = false;  // carries its entity, or is a delete: no read needed
};
struct DoorbellNotice {
  std::string org_id;
  std::int64_t from = 0, to = 0;  // inclusive activity ids
};
using Notice = std::variant<ActivityNotice, DoorbellNotice>;
std::optional<Notice> parse_activity_notice(std::string_view payload);

struct ControlNotice {
  std::string user_id;
  std::optional<std::string> org_id;  // nullopt: every org of the user
};
std::optional<ControlNotice> parse_control_notice(std::string_view payload);

}  // namespace syncline::stream
