#include "stream/event.h"
#include "common/json_text.h"

#include <boost/json/serialize.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace syncline::stream {

namespace json = boost::json;

namespace {
std::string frame(const char* event, std::int64_t id, const std::string& data) {
  // json_text() never emits a raw newline, so the data is always one `data:` line.
  return std::string("event: ") + event + "\nid: " + std::to_string(id) + "\ndata: " + data +
         "\n\n";
}

// "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (db::rfc3339) → Unix µs; 0 when it is not that.
std::int64_t unix_us(const std::string& t) {
  std::tm tm{};
  int frac_start = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac_start) != 6)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::int64_t us = static_cast<std::int64_t>(timegm(&tm)) * 1'000'000;
  if (static_cast<std::size_t>(frac_start) < t.size() && t[frac_start] == '.') {
    std::int64_t scale = 100'000;
    for (std::size_t i = frac_start + 1;
         i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) && scale > 0;
         ++i, scale /= 10)
      us += (t[i] - '0') * scale;
  }
  return us;
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

EventPtr make_event(wire::Activity a) {
  const std::string action = wire::to_string(a.action);
  // The entity as the activity carries it: {data, fieldTx}; data null when deleted or gone.
  json::value data = nullptr, field_tx = json::object{};
  if (auto* entity = a.entity.if_object()) {
    if (auto* d = entity->if_contains("data")) data = std::move(*d);
    if (auto* f = entity->if_contains("fieldTx"); f && f->is_object()) field_tx = std::move(*f);
  }
  if (a.action ==
      wire::Action::kRefetch) {  // DESIGN §18: a bulk change of a type; no entity, no leave
    auto e = std::make_shared<StreamEvent>();
    e->id = a.id;
    e->org_id = a.org_id;
    e->entity_type = a.entity_type;
    e->created_us = unix_us(a.created_at);
    e->action = action;
    e->frame = std::make_shared<const std::string>(
        frame("refetch", a.id,
              json_text(json::object{{"entityType", a.entity_type},
                                     {"action", "refetch"},
                                     {"activityId", a.id},
                                     {"createdAt", a.created_at}})));
    return e;
  }
  json::object msg{{"data", std::move(data)},
                   {"fieldTx", std::move(field_tx)},
                   {"entityType", a.entity_type},
                   {"entityId", a.entity_id},
                   {"action", action},
                   {"activityId", a.id},
                   {"changedKeys", a.changed_keys},
                   {"createdAt", a.created_at},
                   {"tx", tx_of(a.tx)}};
  auto e = std::make_shared<StreamEvent>();
  e->id = a.id;
  e->org_id = a.org_id;
  e->entity_type = a.entity_type;
  e->created_us = unix_us(a.created_at);
  if (msg["data"].is_object())
    if (auto* cb = msg["data"].as_object().if_contains("createdBy"); cb && cb->is_string())
      e->created_by = std::string(cb->as_string());
  e->frame = std::make_shared<const std::string>(frame("change", a.id, json_text(msg)));
  e->action = action;
  // The message's copy of the entity, once serialized, becomes the event's (no second copy).
  if (msg["data"].is_object())
    e->data = std::make_shared<const json::object>(std::move(msg["data"].as_object()));
  if (a.before.is_object()) e->before = std::make_shared<const json::object>(a.before.as_object());
  for (const auto& k : a.changed_keys)
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
  leave->frame = std::make_shared<const std::string>(frame("change", a.id, json_text(msg)));
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
  return frame("offset", cursor, json_text(json::object{{"cursor", cursor}}));
}

std::string error_frame(const std::string& code) {
  return "event: error\ndata: " + json_text(json::object{{"code", code}}) + "\n\n";
}

std::string reset_frame() {
  return "event: reset\ndata: " +
         json_text(json::object{{"code", "OFFSET_INVALID"},
                                {"message", "offset is older than the sync epoch; reload"}}) +
         "\n\n";
}

}  // namespace syncline::stream
