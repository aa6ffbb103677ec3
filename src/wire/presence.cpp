#include "wire/presence.h"

#include <boost/json/array.hpp>

#include "common/json_parse.h"
#include "common/json_text.h"
#include "wire/notice.h"

namespace syncline::wire {

namespace json = boost::json;

namespace {

json::value nullable(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

json::object wire_json(const PresenceChange& c) {
  json::object o{{"a", presence_action_name(c.action)},
                 {"o", c.org_id},
                 {"u", c.user_id},
                 {"c", c.client_id},
                 {"t", nullable(c.entity_type)},
                 {"e", nullable(c.entity_id)},
                 {"s", c.state},
                 {"w", nullable(c.owner)},
                 {"f", c.scope}};
  return o;
}

std::optional<PresenceAction> action_of(std::string_view s) {
  if (s == "join") return PresenceAction::kJoin;
  if (s == "update") return PresenceAction::kUpdate;
  if (s == "leave") return PresenceAction::kLeave;
  return std::nullopt;
}

// A string member, or null when `nullable`; false when it is anything else.
bool read(const json::object& o, const char* k, std::optional<std::string>& out, bool nullable) {
  const auto* v = o.if_contains(k);
  if (v && v->is_string()) {
    out = std::string(v->as_string());
    return true;
  }
  return nullable && v && v->is_null();
}

std::optional<PresenceChange> change_of(const json::value& v) {
  if (!v.is_object() || v.as_object().size() != 9) return std::nullopt;
  const auto& o = v.as_object();
  PresenceChange c;
  std::optional<std::string> action, org, user, client;
  if (!read(o, "a", action, false) || !read(o, "o", org, false) || !read(o, "u", user, false) ||
      !read(o, "c", client, false) || !read(o, "t", c.entity_type, true) ||
      !read(o, "e", c.entity_id, true) || !read(o, "w", c.owner, true))
    return std::nullopt;
  auto a = action_of(*action);
  const auto* state = o.if_contains("s");
  const auto* scope = o.if_contains("f");
  if (!a || !state || !state->is_object() || !scope || !scope->is_object() ||
      c.entity_type.has_value() != c.entity_id.has_value())
    return std::nullopt;
  c.action = *a;
  c.org_id = std::move(*org);
  c.user_id = std::move(*user);
  c.client_id = std::move(*client);
  c.state = state->as_object();
  c.scope = scope->as_object();
  return c;
}

}  // namespace

const char* presence_action_name(PresenceAction a) {
  switch (a) {
    case PresenceAction::kJoin:
      return "join";
    case PresenceAction::kUpdate:
      return "update";
    case PresenceAction::kLeave:
      return "leave";
  }
  return "leave";
}

json::object PresenceChange::client_json() const {
  return {{"action", presence_action_name(action)},
          {"clientId", client_id},
          {"userId", user_id},
          {"entityType", nullable(entity_type)},
          {"entityId", nullable(entity_id)},
          {"state", state}};
}

std::vector<std::string> encode_presence(const std::vector<PresenceChange>& changes) {
  std::vector<std::string> out;
  std::string cur;
  for (const auto& c : changes) {
    auto one = json_text(wire_json(c));
    if (one.size() + 2 > kMaxPayloadBytes) continue;  // cannot be: the state is ≤ 1 KiB
    if (!cur.empty() && cur.size() + one.size() + 2 > kMaxPayloadBytes) {
      out.push_back(cur + "]");
      cur.clear();
    }
    cur += cur.empty() ? "[" : ",";
    cur += one;
  }
  if (!cur.empty()) out.push_back(cur + "]");
  return out;
}

std::optional<std::vector<PresenceChange>> decode_presence(std::string_view payload) {
  boost::system::error_code ec;
  auto v = parse_json(payload, ec);
  if (ec || !v.is_array()) return std::nullopt;
  std::vector<PresenceChange> out;
  for (const auto& e : v.as_array()) {
    auto c = change_of(e);
    if (!c) return std::nullopt;
    out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace syncline::wire
