#include "stream/event.h"

#include <boost/json/serialize.hpp>

namespace syncline::stream {

namespace json = boost::json;

namespace {
std::string frame(const char* event, std::int64_t id, const std::string& data) {
  // serialize() never emits a raw newline, so the data is always one `data:` line.
  return std::string("event: ") + event + "\nid: " + std::to_string(id) + "\ndata: " + data +
         "\n\n";
}

json::value tx_of(const json::value& tx) {
  if (!tx.is_object()) return nullptr;
  const auto& o = tx.as_object();
  auto get = [&](const char* k) { return o.contains(k) ? o.at(k) : json::value(nullptr); };
  return json::object{{"transactionId", get("transactionId")},
                      {"sourceId", get("sourceId")},
                      {"changedField", get("changedField")}};
}
}  // namespace

EventPtr make_event(const ActivityFields& a) {
  json::object msg{{"data", a.data},
                   {"fieldTx", a.field_tx.is_object() ? a.field_tx : json::object{}},
                   {"entityType", a.entity_type},
                   {"entityId", a.entity_id},
                   {"action", a.action},
                   {"activityId", a.id},
                   {"changedKeys", a.changed_keys.is_array() ? a.changed_keys : json::array{}},
                   {"createdAt", a.created_at},
                   {"tx", tx_of(a.tx)}};
  auto e = std::make_shared<StreamEvent>();
  e->id = a.id;
  e->org_id = a.org_id;
  e->entity_type = a.entity_type;
  if (a.data.is_object())
    if (auto* cb = a.data.as_object().if_contains("createdBy"); cb && cb->is_string())
      e->created_by = std::string(cb->as_string());
  e->frame = std::make_shared<const std::string>(frame("change", a.id, json::serialize(msg)));
  e->action = a.action;
  if (a.data.is_object()) e->data = std::make_shared<const json::object>(a.data.as_object());
  if (a.before.is_object()) e->before = std::make_shared<const json::object>(a.before.as_object());
  if (a.changed_keys.is_array())
    for (const auto& k : a.changed_keys.as_array())
      if (k.is_string()) e->changed_keys.emplace_back(k.as_string());
  auto leave = std::make_shared<StreamEvent>();
  leave->id = a.id;
  leave->org_id = a.org_id;
  leave->entity_type = a.entity_type;
  leave->created_by = e->created_by;
  leave->action = "leave";
  msg["data"] = nullptr;
  msg["fieldTx"] = json::object{};
  msg["action"] = "leave";
  leave->frame = std::make_shared<const std::string>(frame("change", a.id, json::serialize(msg)));
  e->leave = std::move(leave);
  return e;
}

std::string_view message_json(const StreamEvent& e) {
  std::string_view f = *e.frame;
  auto start = f.find("\ndata: ");
  if (start == std::string_view::npos) return {};
  start += 7;
  return f.substr(start, f.size() - start - 2);
}

std::string offset_frame(std::int64_t cursor) {
  return frame("offset", cursor, json::serialize(json::object{{"cursor", cursor}}));
}

std::string error_frame(const std::string& code) {
  return "event: error\ndata: " + json::serialize(json::object{{"code", code}}) + "\n\n";
}

std::string reset_frame() {
  return "event: reset\ndata: " +
         json::serialize(json::object{{"code", "OFFSET_INVALID"},
                                      {"message", "offset is older than the sync epoch; reload"}}) +
         "\n\n";
}

}  // namespace syncline::stream
