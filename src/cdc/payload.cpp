#include "cdc/payload.h"

#include <boost/json/serialize.hpp>
#include <map>

namespace syncline::cdc {

namespace json = boost::json;

std::string activity_payload(const StoredActivity& a) {
  const auto& p = *a.pending;
  json::object o{{"orgId", p.org_id},
                 {"activityId", a.id},
                 {"entityType", p.entity_type},
                 {"entityId", p.entity_id},
                 {"action", p.action},
                 {"tx", p.tx},
                 {"changedKeys", p.changed_keys},
                 {"createdAt", a.created_at},
                 {"entity", p.entity}};
  if (!p.before.is_null()) o["before"] = p.before;
  auto s = json::serialize(o);
  if (s.size() <= kMaxPayloadBytes) return s;
  // Too big: first without the old values (the bus then routes the event to every shape on a
  // touched field), then without the entity (the bus reads it from the log, STREAM-040..043).
  if (o.erase("before") && (s = json::serialize(o)).size() <= kMaxPayloadBytes) return s;
  o["entity"] = nullptr;
  return json::serialize(o);
}

std::vector<std::string> notify_payloads(const std::vector<StoredActivity>& batch) {
  std::map<std::string, std::pair<std::size_t, std::pair<std::int64_t, std::int64_t>>> per_org;
  for (const auto& a : batch) {
    auto& [count, range] = per_org[a.pending->org_id];
    if (count++ == 0) range = {a.id, a.id};
    range.first = std::min(range.first, a.id);
    range.second = std::max(range.second, a.id);
  }
  std::vector<std::string> out;
  std::map<std::string, bool> rang;
  for (const auto& a : batch) {
    const auto& [count, range] = per_org[a.pending->org_id];
    if (count <= kDoorbellThreshold) {
      out.push_back(activity_payload(a));
    } else if (!rang[a.pending->org_id]) {
      rang[a.pending->org_id] = true;
      out.push_back(json::serialize(json::object{{"orgId", a.pending->org_id},
                                                 {"fromActivityId", range.first},
                                                 {"toActivityId", range.second}}));
    }
  }
  return out;
}

}  // namespace syncline::cdc
