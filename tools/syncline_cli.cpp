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
// Each subcommand is a Command of its own (cli_command.h, cli_commands.cpp); main() adds the
// global options to each, parses, signs in and runs the one named.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli_command.h"

using namespace syncline::client;

namespace {

struct Globals {
  std::string server_url = "http://127.0.0.1:8080";
  std::string ca_file, data_dir, token;
};

// Global options (ADOPT-007): on the app and on every subcommand, bound to the same variables,
// so they are accepted before or after the subcommand and every --help lists them. Only the
// app's copies read the environment: a subcommand's copy that did would overwrite a value given
// before the subcommand with the environment's.
void add_globals(CLI::App& a, Globals& g) {
  auto env = [&a](CLI::Option* o, const char* name) {
    if (a.get_parent() == nullptr) o->envname(name);
  };
  env(a.add_option("--server", g.server_url, "server URL: http://HOST:PORT or https://HOST[:PORT]"),
      "SYNCLINE_SERVER");
  env(a.add_option("--ca-file", g.ca_file,
                   "PEM file of the CA that signed the server's certificate "
                   "(https; default: the system's trusted CAs)"),
      "SYNCLINE_CA_FILE");
  env(a.add_option("--data-dir", g.data_dir, "token and cache directory"), "SYNCLINE_CLI_DIR");
  env(a.add_option("--token", g.token,
                   "bearer token (a session token or an identity provider's JWT) instead of the "
                   "one `login` kept"),
      "SYNCLINE_TOKEN");
}

// The token --token gives, else the one `login` kept. False: neither (said on stderr).
bool sign_in(Api& api, const Globals& g) {
  if (!g.token.empty()) {
    api.set_token(g.token);
    return true;
  }
  std::ifstream f(g.data_dir + "/token");
  std::string token;
  if (!(f >> token)) {
    std::cerr << "not signed in: run `syncline-cli login` first, or pass --token "
                 "(SYNCLINE_TOKEN)\n";
    return false;
  }
  api.set_token(token);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"syncline-cli: the Syncline terminal client"};
  Globals g;
  if (const char* home = std::getenv("HOME")) g.data_dir = std::string(home) + "/.syncline-cli";
  add_globals(app, g);
  app.require_subcommand(1);
  auto commands = all_commands();
  std::vector<std::pair<CLI::App*, Command*>> subs;
  for (auto& c : commands) {
    auto* sub = app.add_subcommand(c->name(), c->help());
    c->add_flags(*sub);
    add_globals(*sub, g);
    subs.emplace_back(sub, c.get());
  }
  CLI11_PARSE(app, argc, argv);

  std::string url_error;
  auto server = parse_server_url(g.server_url, url_error);
  if (!server) {
    std::cerr << "error: --server " << url_error << "\n";
    return 2;
  }
  server->ca_file = g.ca_file;
  Api api(*server);
  // The data dir holds the token and the caches: its own, 0700 (its parents as the umask says).
  std::error_code dir_error;
  std::filesystem::create_directories(std::filesystem::path(g.data_dir).parent_path(), dir_error);
  mkdir(g.data_dir.c_str(), 0700);
  Env env{g.server_url, *server, api, g.data_dir};
  for (auto [sub, command] : subs) {
    if (!sub->parsed()) continue;
    if (command->needs_token() && !sign_in(api, g)) return 1;
    return command->run(env);
  }
  return 2;  // require_subcommand(1): not reached
}
