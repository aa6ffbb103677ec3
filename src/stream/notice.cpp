#include "stream/notice.h"

#include <boost/json/parse.hpp>

namespace syncline::stream {

namespace json = boost::json;

namespace {
std::optional<json::object> object_of(std::string_view payload) {
  if (payload.size() > 8000) return std::nullopt;  // Postgres' NOTIFY limit
  json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  auto v = json::parse(payload, ec, {}, opts);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::optional<std::string> text(const json::object& o, const char* k, bool allow_empty = false) {
  auto* v = o.if_contains(k);
  if (!v || !v->is_string() || (!allow_empty && v->as_string().empty())) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<std::int64_t> id(const json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  if (!v) return std::nullopt;
  if (v->is_int64() && v->as_int64() > 0) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->as_uint64());
  return std::nullopt;
}
}  // namespace

std::optional<Notice> parse_activity_notice(std::string_view payload) {
  auto o = object_of(payload);
  if (!o) return std::nullopt;
  auto org = text(*o, "orgId");
  if (!org) return std::nullopt;
  if (o->contains("fromActivityId")) {
    auto from = id(*o, "fromActivityId"), to = id(*o, "toActivityId");
    if (!from || !to || *from > *to) return std::nullopt;
    return DoorbellNotice{*org, *from, *to};
  }
  ActivityNotice n;
  auto& a = n.fields;
  auto activity = id(*o, "activityId");
  auto type = text(*o, "entityType"), entity_id = text(*o, "entityId"), action = text(*o, "action");
  auto created = text(*o, "createdAt", true);
  if (!activity || !type || !entity_id || !action || !created) return std::nullopt;
  if (*action != "create" && *action != "update" && *action != "delete") return std::nullopt;
  a.id = *activity;
  a.org_id = *org;
  a.entity_type = *type;
  a.entity_id = *entity_id;
  a.action = *action;
  a.created_at = *created;
  auto* keys = o->if_contains("changedKeys");
  if (keys && !keys->is_array()) return std::nullopt;
  a.changed_keys = keys ? *keys : json::array{};
  auto* tx = o->if_contains("tx");
  if (tx && !tx->is_object() && !tx->is_null()) return std::nullopt;
  a.tx = tx ? *tx : json::value(nullptr);
  if (auto* before = o->if_contains("before")) {
    if (!before->is_object() && !before->is_null()) return std::nullopt;
    a.before = *before;
  }
  const auto* entity = o->if_contains("entity");
  if (entity && entity->is_object()) {
    const auto& e = entity->as_object();
    auto* data = e.if_contains("data");
    auto* field_tx = e.if_contains("fieldTx");
    if ((data && !data->is_object() && !data->is_null()) || (field_tx && !field_tx->is_object()))
      return std::nullopt;
    a.data = data ? *data : json::value(nullptr);
    a.field_tx = field_tx ? *field_tx : json::value(json::object{});
    n.complete = true;
  } else if (entity && !entity->is_null()) {
    return std::nullopt;
  }
  n.complete = n.complete || a.action == "delete";
  return n;
}

std::optional<ControlNotice> parse_control_notice(std::string_view payload) {
  auto o = object_of(payload);
  if (!o) return std::nullopt;
  auto user = text(*o, "userId");
  if (!user) return std::nullopt;
  ControlNotice n{*user, std::nullopt};
  if (auto* org = o->if_contains("orgId"); org && !org->is_null()) {
    if (!org->is_string()) return std::nullopt;
    n.org_id = std::string(org->as_string());
  }
  return n;
}

}  // namespace syncline::stream
