#include "syncline/presence.h"

namespace syncline::client {

namespace json = boost::json;

namespace {
constexpr auto kRenewEvery = std::chrono::seconds(10);

std::optional<std::string> text(const json::object& o, const char* k) {
  const auto* v = o.if_contains(k);
  return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string()))
                             : std::nullopt;
}

std::optional<PresenceAction> action_of(const json::object& o) {
  auto a = text(o, "action");
  if (a == "join") return PresenceAction::kJoin;
  if (a == "update") return PresenceAction::kUpdate;
  if (a == "leave") return PresenceAction::kLeave;
  return std::nullopt;
}
}  // namespace

Presence::Presence(Api& api, std::string org_id, std::string client_id)
    : api_(api), org_id_(std::move(org_id)), client_id_(std::move(client_id)) {}

std::string Presence::path() const {
  return "/organizations/" + org_id_ + "/presence";
}

int Presence::set(const std::optional<PresenceTarget>& on, json::object state) {
  json::object body{{"clientId", client_id_}, {"state", std::move(state)}};
  if (on) {
    body["entityType"] = on->entity_type;
    body["entityId"] = on->entity_id;
  }
  {
    std::lock_guard lock(mu_);
    mine_ = body;
    next_renewal_ = std::chrono::steady_clock::now() + kRenewEvery;
  }
  return api_.call("PUT", path(), json::value(std::move(body))).status;
}

void Presence::leave() {
  {
    std::lock_guard lock(mu_);
    if (!mine_) return;
    mine_.reset();
  }
  api_.call("DELETE", path() + "/" + client_id_);
}

void Presence::renew_if_due(std::chrono::steady_clock::time_point now) {
  std::optional<json::object> body;
  {
    std::lock_guard lock(mu_);
    if (!mine_ || now < next_renewal_) return;
    body = mine_;
    next_renewal_ = now + kRenewEvery;
  }
  api_.call("PUT", path(), json::value(std::move(*body)));
}

std::vector<PresenceEntry> Presence::list(const std::optional<PresenceTarget>& on) const {
  std::lock_guard lock(mu_);
  std::vector<PresenceEntry> out;
  for (const auto& [k, p] : here_)
    if (!on || (p.entity_type == on->entity_type && p.entity_id == on->entity_id)) out.push_back(p);
  return out;
}

void Presence::on_change(PresenceListener listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

void Presence::apply(const json::object& event) {
  auto action = action_of(event);
  auto client = text(event, "clientId"), user = text(event, "userId");
  if (!action || !client || !user) return;
  PresenceEntry e{*client, *user, text(event, "entityType"), text(event, "entityId"), {}};
  if (const auto* s = event.if_contains("state"); s && s->is_object()) e.state = s->as_object();
  PresenceListener listener;
  {
    std::lock_guard lock(mu_);
    const auto key = e.user_id + '\x1f' + e.client_id;
    if (*action == PresenceAction::kLeave) {
      if (!here_.erase(key)) return;
    } else {
      auto it = here_.find(key);
      if (it != here_.end() && it->second.entity_type == e.entity_type &&
          it->second.entity_id == e.entity_id && it->second.state == e.state)
        return;  // known as it is (the list read at start, and the stream's joins)
      here_[key] = e;
    }
    listener = listener_;
  }
  if (listener) listener(*action, e);
}

void Presence::load() {
  auto r = api_.call("GET", path());
  if (!r.ok() || !r.body.is_object()) return;
  const auto* items = r.body.as_object().if_contains("items");
  if (!items || !items->is_array()) return;
  for (const auto& p : items->as_array()) {
    if (!p.is_object()) continue;
    auto joined = p.as_object();
    joined["action"] = "join";
    apply(joined);
  }
}

}  // namespace syncline::client
