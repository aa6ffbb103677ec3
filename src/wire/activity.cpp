#include "wire/activity.h"
#include "common/json_text.h"

#include <boost/json/serialize.hpp>

namespace syncline::wire {

namespace json = boost::json;

const char* to_string(Action a) {
  switch (a) {
    case Action::kCreate:
      return "create";
    case Action::kUpdate:
      return "update";
    case Action::kDelete:
      return "delete";
    case Action::kRefetch:
      return "refetch";
  }
  return "?";
}

std::optional<Action> parse_action(std::string_view s) {
  for (auto a : {Action::kCreate, Action::kUpdate, Action::kDelete, Action::kRefetch})
    if (s == to_string(a)) return a;
  return std::nullopt;
}

std::string quoted(const std::string& s) {
  return json_text(json::string_view(s));
}

std::string head_of(const Activity& a, bool with_user) {
  std::string user;
  if (with_user) user = ",\"userId\":" + (a.user_id ? quoted(*a.user_id) : std::string("null"));
  return "{\"orgId\":" + quoted(a.org_id) + ",\"activityId\":" + std::to_string(a.id) +
         ",\"entityType\":" + quoted(a.entity_type) + ",\"entityId\":" + quoted(a.entity_id) +
         ",\"action\":\"" + to_string(a.action) + "\",\"tx\":" + json_text(a.tx) +
         ",\"changedKeys\":" + json_text(a.changed_keys) +
         ",\"createdAt\":" + quoted(a.created_at) + user + ",\"entity\":";
}

std::string to_json(const Activity& a) {
  return head_of(a, true) + json_text(a.entity) + ",\"before\":" + json_text(a.before) + "}";
}

namespace {
std::optional<std::string> text(const json::object& o, const char* k, bool allow_empty = false) {
  auto* v = o.if_contains(k);
  if (!v || !v->is_string() || (!allow_empty && v->as_string().empty())) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<std::int64_t> id_of(const json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  if (!v) return std::nullopt;
  if (v->is_int64() && v->as_int64() >= 0) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->as_uint64());
  return std::nullopt;
}

// {data: object|null, fieldTx: object}, either absent.
bool valid_entity(const json::value& v) {
  if (v.is_null()) return true;
  if (!v.is_object()) return false;
  auto* data = v.as_object().if_contains("data");
  auto* field_tx = v.as_object().if_contains("fieldTx");
  return (!data || data->is_object() || data->is_null()) && (!field_tx || field_tx->is_object());
}
}  // namespace

std::optional<Activity> read_activity(json::object& o, bool written) {
  auto org = text(o, "orgId");
  auto activity = id_of(o, "activityId");
  auto type = text(o, "entityType"), action_text = text(o, "action");
  auto entity_id = text(o, "entityId", true);
  auto created = text(o, "createdAt", true);
  if (!org || !activity || !type || !entity_id || !action_text || !created) return std::nullopt;
  if (written && *activity == 0) return std::nullopt;
  auto action = parse_action(*action_text);
  if (!action) return std::nullopt;
  // A refetch marker names a type, no entity; every other activity names its entity.
  if (entity_id->empty() != (*action == Action::kRefetch)) return std::nullopt;
  Activity a;
  a.id = *activity;
  a.org_id = std::move(*org);
  a.entity_type = std::move(*type);
  a.entity_id = std::move(*entity_id);
  a.action = *action;
  a.created_at = std::move(*created);
  if (auto* user = o.if_contains("userId"); user && !user->is_null()) {
    if (!user->is_string()) return std::nullopt;
    a.user_id = std::string(user->as_string());
  }
  if (auto* keys = o.if_contains("changedKeys")) {
    // Field names, as the CDC wrote them: anything else is not our payload.
    if (!keys->is_array()) return std::nullopt;
    for (const auto& k : keys->as_array())
      if (!k.is_string()) return std::nullopt;
    a.changed_keys = std::move(keys->as_array());
  }
  if (auto* tx = o.if_contains("tx")) {
    if (!tx->is_object() && !tx->is_null()) return std::nullopt;
    a.tx = std::move(*tx);
  }
  if (auto* before = o.if_contains("before")) {
    if (!before->is_object() && !before->is_null()) return std::nullopt;
    a.before = std::move(*before);
  }
  if (auto* entity = o.if_contains("entity")) {
    if (!valid_entity(*entity)) return std::nullopt;
    a.entity = std::move(*entity);
  }
  return a;
}

}  // namespace syncline::wire
