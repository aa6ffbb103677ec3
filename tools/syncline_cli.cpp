// syncline-cli: a terminal client on libsyncline-client — and its first user.
//   syncline-cli [--server URL] [--ca-file PEM] [--data-dir DIR] login --email E --password P
//   syncline-cli orgs
//   syncline-cli list TYPE --org ORG [--where …] [--limit N]   (every row unless --limit)
//   syncline-cli sync --org ORG [--timeout S]   (hydrate or catch up this machine's copy, exit)
//   syncline-cli get|delete TYPE ID --org ORG
//   syncline-cli create TYPE ID [FIELD=VALUE ...] --org ORG
//   syncline-cli set TYPE ID FIELD VALUE --org ORG
//   syncline-cli pages list|get|create|set|delete --org ORG [ID] [NAME | FIELD VALUE]
//     (TYPE is an entity type the server declares, GET /schema; `pages` is `… page …` with a
//     create's second argument as its name; VALUE is JSON when it parses, else text)
//   syncline-cli watch --org ORG [--seconds N]
//   syncline-cli conflicts --org ORG [list | resolve ID --keep-mine|--keep-server|--value V]
//     (no action: shows each conflict, mine vs server, and asks)
// The session token is kept in DIR/token (mode 600); the cache in DIR/<org>/cache.db.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "cli_conflicts.h"
#include "cli_invitations.h"
#include "cli_list.h"
#include "cli_orgs.h"
#include "cli_report.h"
#include "cli_sync.h"
#include "cli_where.h"
#include "common/json_text.h"
#include "syncline/client.h"

namespace json = boost::json;
using namespace syncline::client;

namespace {
std::atomic<bool> g_stop{false};

// The text of a JSON string (ostream << json::string would print it quoted).
std::string_view text(const json::value& v) {
  return v.is_string() ? std::string_view(v.as_string()) : "";
}

std::string g_server_url;

// One sentence: the server's error code and message, or why it could not be reached.
int fail(const ApiResponse& r) {
  if (r.status == 0) {
    std::cerr << "error: cannot reach the server at " << g_server_url << " (" << r.error << ")\n";
  } else if (const auto* e = r.body.is_object() ? r.body.as_object().if_contains("error") : nullptr;
             e && e->is_object()) {
    std::cerr << "error: " << r.status << " " << text(e->at("code")) << ": "
              << text(e->at("message")) << "\n";
  } else {
    std::cerr << "error: " << r.status << " " << syncline::json_text(r.body) << "\n";
  }
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"syncline-cli: the Syncline terminal client"};
  std::string server_url = "http://127.0.0.1:8080", data_dir;
  if (const char* home = std::getenv("HOME")) data_dir = std::string(home) + "/.syncline-cli";
  std::string ca_file, token_option;
  // Global options (ADOPT-007): on the app and on every subcommand, bound to the same
  // variables, so they are accepted before or after the subcommand and every --help lists them.
  // Only the app's copies read the environment: a subcommand's copy that did would overwrite
  // a value given before the subcommand with the environment's.
  auto add_globals = [&](CLI::App* a) {
    auto env = [a](CLI::Option* o, const char* name) {
      if (a->get_parent() == nullptr) o->envname(name);
    };
    env(a->add_option("--server", server_url,
                      "server URL: http://HOST:PORT or https://HOST[:PORT]"),
        "SYNCLINE_SERVER");
    env(a->add_option("--ca-file", ca_file,
                      "PEM file of the CA that signed the server's certificate "
                      "(https; default: the system's trusted CAs)"),
        "SYNCLINE_CA_FILE");
    env(a->add_option("--data-dir", data_dir, "token and cache directory"), "SYNCLINE_CLI_DIR");
    env(a->add_option("--token", token_option,
                      "bearer token (a session token or an identity provider's JWT) instead of the "
                      "one `login` kept"),
        "SYNCLINE_TOKEN");
  };
  add_globals(&app);
  app.require_subcommand(1);

  std::string email, password, org, id, a1, a2, action;
  int seconds = 0;
  std::size_t list_limit = 0;
  auto* login = app.add_subcommand("login", "sign in and keep the token");
  login->add_option("--email", email)->required();
  login->add_option("--password", password)->required();
  auto* orgs = app.add_subcommand("orgs", "organizations you belong to");
  InvitationArgs inv;
  auto* invitations = app.add_subcommand("invitations", "invitations waiting for you");
  invitations->add_option("action", inv.action, "list (default) | accept | decline")
      ->check(CLI::IsMember({"list", "accept", "decline"}));
  invitations->add_option("id", inv.id, "the invitation's id (accept, decline)");
  invitations->add_option("--code", inv.code, "the code the inviter passed on (accept)");
  auto* invite = app.add_subcommand("invite", "invite someone to an organization (admins)");
  invite->add_option("--org", org)->required();
  auto* by_email = invite->add_option("--email", inv.email, "the address to invite");
  invite->add_option("--user-id", inv.user_id, "or the user to invite")->excludes(by_email);
  invite->add_option("--role", inv.role)->check(CLI::IsMember({"member", "admin"}));
  auto* pages = app.add_subcommand("pages", "list|get|create|set|delete pages");
  pages->add_option("action", action)
      ->required()
      ->check(CLI::IsMember({"list", "get", "create", "set", "delete"}));
  pages->add_option("--org", org)->required();
  pages->add_option("id", id);
  pages->add_option("arg1", a1, "name (create) or field (set)");
  pages->add_option("arg2", a2, "value (set; JSON or text)");
  std::vector<std::string> where;  // list and watch (issue 14)
  const char* where_help =
      "[TYPE.]FIELD=VALUE: only entities where it holds (repeatable; "
      "VALUE null: no value, a JSON array: any of them)";
  pages->add_option("--where", where, where_help);
  // Generic commands over the declared types (SCHEMA-025).
  std::string type;
  std::vector<std::string> assignments;
  std::map<std::string, CLI::App*> generic;
  for (const char* verb : {"list", "get", "create", "set", "delete"}) {
    auto* cmd = app.add_subcommand(verb, std::string(verb) + " entities of a declared TYPE");
    cmd->add_option("type", type, "entity type (GET /schema)")->required();
    cmd->add_option("--org", org)->required();
    if (std::string(verb) != "list") cmd->add_option("id", id)->required();
    if (std::string(verb) == "list") {
      cmd->add_option("--where", where, where_help);
      cmd->add_option("--limit", list_limit, "at most N rows (0: all; says when more follow)");
    }
    if (std::string(verb) == "set") {
      cmd->add_option("field", a1)->required();
      cmd->add_option("value", a2, "JSON or text")->required();
    }
    if (std::string(verb) == "create") cmd->add_option("fields", assignments, "FIELD=VALUE ...");
    generic[verb] = cmd;
  }
  int sync_timeout = 600;
  auto* sync_cmd = app.add_subcommand(
      "sync", "hydrate (or catch up) this machine's copy of the organization, then exit");
  sync_cmd->add_option("--org", org)->required();
  sync_cmd->add_option("--timeout", sync_timeout, "give up after S seconds")
      ->check(CLI::Range(1, 86'400));
  auto* watch = app.add_subcommand("watch", "print the organization's changes as they happen");
  watch->add_option("--org", org)->required();
  watch->add_option("--seconds", seconds, "stop after N seconds (0: until Ctrl-C)");
  watch->add_option("--where", where, where_help);
  auto* conflicts = app.add_subcommand("conflicts", "resolve offline edits the server overtook");
  conflicts->add_option("--org", org)->required();
  conflicts->add_option("action", action, "list | resolve (none: ask for each)")
      ->check(CLI::IsMember({"list", "resolve"}));
  std::int64_t conflict_id = 0;
  conflicts->add_option("id", conflict_id, "conflict id (resolve)");
  bool keep_mine = false, keep_server = false;
  std::optional<std::string> merged;
  auto* mine_flag = conflicts->add_flag("--keep-mine", keep_mine, "send mine over the server's");
  auto* server_flag =
      conflicts->add_flag("--keep-server", keep_server, "drop mine")->excludes(mine_flag);
  conflicts->add_option("--value", merged, "send this merged value (JSON or text)")
      ->excludes(mine_flag)
      ->excludes(server_flag);
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) add_globals(sub);
  CLI11_PARSE(app, argc, argv);

  g_server_url = server_url;
  std::string url_error;
  auto parsed_server = parse_server_url(server_url, url_error);
  if (!parsed_server) {
    std::cerr << "error: --server " << url_error << "\n";
    return 2;
  }
  ServerAddress server = *parsed_server;
  server.ca_file = ca_file;
  Api api(server);
  std::string token_file = data_dir + "/token";
  // The data dir holds the token and the caches: its own, 0700 (its parents as the umask says).
  std::error_code dir_error;
  std::filesystem::create_directories(std::filesystem::path(data_dir).parent_path(), dir_error);
  mkdir(data_dir.c_str(), 0700);
  if (!login->parsed() && !token_option.empty()) {
    api.set_token(token_option);
  } else if (!login->parsed()) {
    std::ifstream f(token_file);
    std::string token;
    if (!(f >> token)) {
      std::cerr << "not signed in: run `syncline-cli login` first, or pass --token "
                   "(SYNCLINE_TOKEN)\n";
      return 1;
    }
    api.set_token(token);
  }

  if (login->parsed()) {
    auto r = api.sign_in(email, password);
    if (!r.ok()) return fail(r);
    std::ofstream(token_file) << api.token() << "\n";
    chmod(token_file.c_str(), 0600);
    std::cout << "signed in as " << text(r.body.at("user").at("email")) << "\n";
    return 0;
  }
  if (invitations->parsed() || invite->parsed()) {
    if (invite->parsed()) {
      inv.action = "invite";
      inv.org_id = org;
      if (inv.email.empty() == inv.user_id.empty()) {
        std::cerr << "error: invite needs --email or --user-id\n";
        return 2;
      }
    }
    return invitations_command(api, inv, fail);
  }
  if (orgs->parsed()) {
    auto r = api.call("GET", "/organizations");
    if (!r.ok()) return fail(r);
    for (const auto& o : r.body.at("items").as_array())
      std::cout << text(o.at("id")) << "  " << text(o.at("slug")) << "  " << text(o.at("name"))
                << "\n";
    return 0;
  }

  // Org-scoped commands use the client library (cache, HLC ids, mutation lifecycle).
  // Offline, an org (by slug or id) this machine resolved before still works.
  auto resolved = api.call("GET", "/organizations/" + org);
  // A balancer's 502/503/504: no node answered, as good as unreachable (not the server's no).
  const bool gateway = resolved.status == 502 || resolved.status == 503 || resolved.status == 504;
  std::string org_id;
  if (resolved.ok()) {
    org_id = std::string(resolved.body.at("id").as_string());
    const auto& slug = resolved.body.at("slug");
    if (slug.is_string()) remember_org(data_dir, std::string(slug.as_string()), org_id);
  } else if (resolved.status != 0 && !gateway) {
    return fail(resolved);
  } else if (auto known = known_org(data_dir, org)) {
    org_id = *known;
  } else {
    std::cerr << "error: cannot reach the server at " << server_url << " ("
              << (gateway ? "the balancer answered " + std::to_string(resolved.status)
                          : resolved.error)
              << "), and this machine has never opened organization '" << org
              << "': run the command once while the server is reachable\n";
    return 1;
  }
  ClientOptions o{server.host, server.port, api.token(), org_id, data_dir + "/" + org_id};
  o.tls = server.tls;
  o.ca_file = server.ca_file;
  if (watch->parsed() && !where.empty()) {
    auto shape = where_shape(where, "");
    if (auto* why = std::get_if<std::string>(&shape)) {
      std::cerr << "error: " << *why << "\n";
      return 2;
    }
    o.shapes.push_back(std::get<Shape>(shape));
    // The server's verdict on it first (400 with the reason), not a stream that never opens.
    auto check = api.call("GET", "/organizations/" + org_id + "/live?offset=now&shape=" +
                                     query_encode(syncline::json_text(o.shapes.back())));
    if (check.status != 0 && !check.ok()) return fail(check);
  }
  if (sync_cmd->parsed()) return run_sync(o, org, sync_timeout);
  Client client(o);
  const auto queued_before = client.outbox().entries(org_id);  // left by earlier runs

  if (watch->parsed()) {
    std::signal(SIGINT, [](int) { g_stop = true; });
    // With --where, an entity that no longer matches is gone from the view like a deleted one.
    const std::string gone = where.empty() ? "deleted" : "removed (deleted or no longer matching)";
    client.store().subscribe([gone](const Change& c) {
      print_line(std::cout, c.key.entity_type + " " + c.key.entity_id + " " +
                                (c.entity ? syncline::json_text(c.entity->data) : gone));
    });
    if (!client.start()) {
      std::cerr << "could not reach the live stream\n";
      return 1;
    }
    print_line(std::cout, "watching " + org + " (Ctrl-C stops)");
    report_queued(client, queued_before, org);
    ConflictNotices notices;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!g_stop && (seconds == 0 || std::chrono::steady_clock::now() < until)) {
      notices.poll(client, org);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return 0;
  }

  if (conflicts->parsed()) {
    std::optional<std::pair<Resolution, json::value>> choice;
    if (keep_mine) choice.emplace(Resolution::kKeepMine, nullptr);
    if (keep_server) choice.emplace(Resolution::kKeepServer, nullptr);
    if (merged) choice.emplace(Resolution::kMerge, value_of(*merged));
    return run_conflicts(client, action, conflict_id, choice);
  }

  bool shorthand = pages->parsed();
  if (shorthand) {
    type = "page";
  } else {
    for (const auto& [verb, cmd] : generic)
      if (cmd->parsed()) action = verb;
  }
  // The type's route comes from the server's schema (offline: the type's name + "s").
  std::string plural = type + "s";
  if (auto schema = api.call("GET", "/schema"); schema.ok()) {
    const auto& types = schema.body.at("types").as_object();
    const auto* decl = types.if_contains(type);
    if (!decl) {
      std::string known;
      for (const auto& kv : types) known += (known.empty() ? "" : ", ") + std::string(kv.key());
      std::cerr << "unknown type '" << type << "' (the server declares: " << known << ")\n";
      return 2;
    }
    plural = std::string(decl->at("plural").as_string());
  }
  const std::string base = "/organizations/" + org_id + "/" + plural;
  if (action == "list") {
    std::optional<Shape> shape;
    if (!where.empty()) {
      auto s = where_shape(where, type);
      if (auto* why = std::get_if<std::string>(&s)) {
        std::cerr << "error: " << *why << "\n";
        return 2;
      }
      shape = std::get<Shape>(s);
    }
    auto show = [&](const json::object& data) {
      const auto* name = data.if_contains("name");
      std::cout << (data.contains("id") ? text(data.at("id")) : "") << "  "
                << (shorthand ? std::string(name ? text(*name) : "") : syncline::json_text(data))
                << "\n";
    };
    auto listed =
        list_rows(api, base, shape ? std::optional(syncline::json_text(*shape)) : std::nullopt,
                  list_limit, show);
    const auto& r = listed.last;
    if (!r.ok() && listed.shown > 0) {  // never a silently cut list
      std::cerr << "error: the server stopped answering after " << listed.shown << " rows\n";
      return fail(r);
    }
    if (r.status == 0 || r.status == 502 || r.status == 503 || r.status == 504) {
      // Offline: this machine's copy, its own waiting changes laid over, the same filter.
      std::cerr << "offline: the server at " << server_url
                << " is unreachable; showing this machine's copy\n";
      for (const auto& data : client.list(type))
        if (!shape || in_shape(*shape, type, data)) show(data);
      return 0;
    }
    return r.ok() ? 0 : fail(r);
  }
  if (id.empty()) {
    std::cerr << "pages " << action << " needs an id\n";
    return 2;
  }
  const EntityKey key{org_id, type, id};
  if (action == "get") {
    auto current = api.call("GET", base + "/" + id);
    if (current.status != 0) {
      if (!current.ok()) return fail(current);
      std::cout << syncline::json_text(current.body) << "\n";
      return 0;
    }
    // Offline: this machine's view (its copy with its own waiting changes laid over).
    auto mine = client.get(type, id);
    std::size_t waiting = 0;
    for (const auto& e : queued_before)
      waiting += e.key.entity_id == id && e.key.entity_type == type;
    std::cerr << "offline: the server at " << server_url << " is unreachable; showing this "
              << "machine's copy"
              << (waiting ? " with " + std::to_string(waiting) + " change(s) of yours not yet sent"
                          : std::string())
              << "\n";
    if (!mine) {
      std::cerr << "this machine has no copy of " << type << " " << id << "\n";
      return 1;
    }
    std::cout << syncline::json_text(*mine) << "\n";
    return 0;
  }
  // Mutations go through the client: caught up first, then sent; offline they wait in the
  // outbox of DIR/<org> and go with the next run (or whichever process leads that dir).
  const bool known_before = client.store().get(key).has_value();
  if (resolved.status != 0) {
    client.start(std::chrono::seconds(10));
    report_queued(client, queued_before, org);
  }
  std::string tx;
  if (action == "create") {
    json::object data{{"id", id}};
    if (shorthand) data["name"] = a1.empty() ? id : a1;
    for (const auto& a : assignments) {
      auto eq = a.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "create: '" << a << "' is not FIELD=VALUE\n";
        return 2;
      }
      data[a.substr(0, eq)] = value_of(a.substr(eq + 1));
    }
    tx = client.create(type, std::move(data));
  } else if (action == "set") {
    if (a1.empty()) {
      std::cerr << "pages set needs FIELD VALUE\n";
      return 2;
    }
    tx = client.update(type, id, {{a1, value_of(a2)}}).front();
  } else {
    tx = client.remove(type, id);
  }
  auto state = settle(client, tx);
  std::cout << outcome_sentence(client, tx, state,
                                {action, key, action == "set" ? a1 : "", known_before}, org)
            << "\n";
  return state == MutationState::kFailed ? 1 : 0;
}
