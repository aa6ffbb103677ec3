#include "cli_entities.h"

#include <iostream>

#include "cli_conflicts.h"
#include "cli_list.h"
#include "cli_report.h"
#include "cli_where.h"
#include "common/json_text.h"

namespace json = boost::json;
using namespace syncline::client;

namespace {

// The type's route from the server's schema; offline, the type's name + "s". nullopt: the
// server declares no such type (said on stderr).
std::optional<std::string> route_of(const Env& env, const std::string& type) {
  auto schema = env.api.call("GET", "/schema");
  if (!schema.ok()) return type + "s";
  const auto& types = schema.body.at("types").as_object();
  const auto* decl = types.if_contains(type);
  if (!decl) {
    std::string known;
    for (const auto& kv : types) known += (known.empty() ? "" : ", ") + std::string(kv.key());
    std::cerr << "unknown type '" << type << "' (the server declares: " << known << ")\n";
    return std::nullopt;
  }
  return std::string(decl->at("plural").as_string());
}

bool unreachable(const ApiResponse& r) {
  return r.status == 0 || r.status == 502 || r.status == 503 || r.status == 504;
}

int list(Env& env, const EntityArgs& a, const OpenOrg& org, const std::string& base) {
  std::optional<Shape> shape;
  if (!a.where.empty()) {
    auto s = where_shape(a.where, a.type);
    if (auto* why = std::get_if<std::string>(&s)) {
      std::cerr << "error: " << *why << "\n";
      return 2;
    }
    shape = std::get<Shape>(s);
  }
  auto show = [&](const json::object& data) {
    const auto* name = data.if_contains("name");
    std::cout << (data.contains("id") ? text_of(data.at("id")) : "") << "  "
              << (a.pages ? std::string(name ? text_of(*name) : "") : syncline::json_text(data))
              << "\n";
  };
  const auto shape_text = shape ? std::optional(syncline::json_text(*shape)) : std::nullopt;
  auto listed = list_rows(env.api, base, shape_text, a.limit, show);
  const auto& r = listed.last;
  if (!r.ok() && listed.shown > 0) {  // never a silently cut list
    std::cerr << "error: the server stopped answering after " << listed.shown << " rows\n";
    return fail(env, r);
  }
  if (!unreachable(r)) return r.ok() ? 0 : fail(env, r);
  // Offline: this machine's copy, its own waiting changes laid over, the same filter.
  std::cerr << "offline: the server at " << env.server_url
            << " is unreachable; showing this machine's copy\n";
  Client client(org.options);
  for (const auto& data : client.list(a.type))
    if (!shape || in_shape(*shape, a.type, data)) show(data);
  return 0;
}

int get(Env& env, const EntityArgs& a, const OpenOrg& org, const std::string& base) {
  auto current = env.api.call("GET", base + "/" + a.id);
  if (current.status != 0) {
    if (!current.ok()) return fail(env, current);
    std::cout << syncline::json_text(current.body) << "\n";
    return 0;
  }
  // Offline: this machine's view (its copy with its own waiting changes laid over).
  Client client(org.options);
  std::size_t waiting = 0;
  for (const auto& e : client.outbox().entries(org.id))
    waiting += e.key.entity_id == a.id && e.key.entity_type == a.type;
  std::cerr << "offline: the server at " << env.server_url << " is unreachable; showing this "
            << "machine's copy"
            << (waiting ? " with " + std::to_string(waiting) + " change(s) of yours not yet sent"
                        : std::string())
            << "\n";
  auto mine = client.get(a.type, a.id);
  if (!mine) {
    std::cerr << "this machine has no copy of " << a.type << " " << a.id << "\n";
    return 1;
  }
  std::cout << syncline::json_text(*mine) << "\n";
  return 0;
}

// A create's data: its id, the shorthand's name, FIELD=VALUE pairs. nullopt: a pair that is not
// one (said on stderr).
std::optional<json::object> create_data(const EntityArgs& a) {
  json::object data{{"id", a.id}};
  if (a.pages) data["name"] = a.name.empty() ? a.id : a.name;
  for (const auto& pair : a.assignments) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "create: '" << pair << "' is not FIELD=VALUE\n";
      return std::nullopt;
    }
    data[pair.substr(0, eq)] = value_of(pair.substr(eq + 1));
  }
  return data;
}

// Mutations go through the client: caught up first, then sent; offline they wait in the outbox
// of DIR/<org> and go with the next run (or whichever process leads that dir).
int mutate(const EntityArgs& a, const OpenOrg& org) {
  if (a.verb == "set" && a.field.empty()) {
    std::cerr << (a.pages ? "pages " : "") << a.verb << " needs FIELD VALUE\n";
    return 2;
  }
  std::optional<json::object> data;
  if (a.verb == "create" && !(data = create_data(a))) return 2;
  Client client(org.options);
  const auto queued_before = client.outbox().entries(org.id);  // left by earlier runs
  const EntityKey key{org.id, a.type, a.id};
  const bool known_before = client.store().get(key).has_value();
  if (org.answered) {
    client.start(std::chrono::seconds(10));
    report_queued(client, queued_before, a.org);
  }
  const std::string tx = a.verb == "create" ? client.create(a.type, std::move(*data))
                         : a.verb == "set"
                             ? client.update(a.type, a.id, {{a.field, value_of(a.value)}}).front()
                             : client.remove(a.type, a.id);
  auto state = settle(client, tx);
  std::cout << outcome_sentence(client, tx, state,
                                {a.verb, key, a.verb == "set" ? a.field : "", known_before}, a.org)
            << "\n";
  return state == MutationState::kFailed ? 1 : 0;
}

}  // namespace

int run_entity_command(Env& env, const EntityArgs& a) {
  auto org = open_org(env, a.org);
  if (!org) return 1;
  const auto route = route_of(env, a.type);
  if (!route) return 2;
  const std::string base = "/organizations/" + org->id + "/" + *route;
  if (a.verb == "list") return list(env, a, *org, base);
  if (a.id.empty()) {
    std::cerr << (a.pages ? "pages " : "") << a.verb << " needs an id\n";
    return 2;
  }
  if (a.verb == "get") return get(env, a, *org, base);
  return mutate(a, *org);
}
