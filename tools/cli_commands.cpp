// Every syncline-cli subcommand as a Command (cli_command.h): its flags beside what it does.
#include <sys/stat.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli_command.h"
#include "cli_conflicts.h"
#include "cli_entities.h"
#include "cli_invitations.h"
#include "cli_report.h"
#include "cli_sync.h"
#include "cli_where.h"
#include "common/json_text.h"

namespace json = boost::json;
using namespace syncline::client;

namespace {

constexpr const char* kWhereHelp =
    "[TYPE.]FIELD=VALUE: only entities where it holds (repeatable; VALUE null: no value, a JSON "
    "array: any of them)";

class Login : public Command {
 public:
  const char* name() const override { return "login"; }
  const char* help() const override { return "sign in and keep the token"; }
  bool needs_token() const override { return false; }
  void add_flags(CLI::App& cmd) override {
    cmd.add_option("--email", email_)->required();
    cmd.add_option("--password", password_)->required();
  }
  int run(Env& env) override {
    auto r = env.api.sign_in(email_, password_);
    if (!r.ok()) return fail(env, r);
    const auto token_file = env.data_dir + "/token";
    std::ofstream(token_file) << env.api.token() << "\n";
    chmod(token_file.c_str(), 0600);
    std::cout << "signed in as " << text_of(r.body.at("user").at("email")) << "\n";
    return 0;
  }

 private:
  std::string email_, password_;
};

class Orgs : public Command {
 public:
  const char* name() const override { return "orgs"; }
  const char* help() const override { return "organizations you belong to"; }
  void add_flags(CLI::App&) override {}
  int run(Env& env) override {
    auto r = env.api.call("GET", "/organizations");
    if (!r.ok()) return fail(env, r);
    for (const auto& o : r.body.at("items").as_array())
      std::cout << text_of(o.at("id")) << "  " << text_of(o.at("slug")) << "  "
                << text_of(o.at("name")) << "\n";
    return 0;
  }
};

class Invitations : public Command {
 public:
  const char* name() const override { return "invitations"; }
  const char* help() const override { return "invitations waiting for you"; }
  void add_flags(CLI::App& cmd) override {
    cmd.add_option("action", args_.action, "list (default) | accept | decline")
        ->check(CLI::IsMember({"list", "accept", "decline"}));
    cmd.add_option("id", args_.id, "the invitation's id (accept, decline)");
    cmd.add_option("--code", args_.code, "the code the inviter passed on (accept)");
  }
  int run(Env& env) override {
    return invitations_command(env.api, args_, [&](const ApiResponse& r) { return fail(env, r); });
  }

 private:
  InvitationArgs args_;
};

class Invite : public Command {
 public:
  const char* name() const override { return "invite"; }
  const char* help() const override { return "invite someone to an organization (admins)"; }
  void add_flags(CLI::App& cmd) override {
    cmd.add_option("--org", args_.org_id)->required();
    auto* by_email = cmd.add_option("--email", args_.email, "the address to invite");
    cmd.add_option("--user-id", args_.user_id, "or the user to invite")->excludes(by_email);
    cmd.add_option("--role", args_.role)->check(CLI::IsMember({"member", "admin"}));
  }
  int run(Env& env) override {
    if (args_.email.empty() == args_.user_id.empty()) {
      std::cerr << "error: invite needs --email or --user-id\n";
      return 2;
    }
    args_.action = "invite";
    return invitations_command(env.api, args_, [&](const ApiResponse& r) { return fail(env, r); });
  }

 private:
  InvitationArgs args_;
};

// list|get|create|set|delete TYPE (SCHEMA-025).
class Verb : public Command {
 public:
  explicit Verb(std::string verb)
      : verb_(std::move(verb)), help_(verb_ + " entities of a declared TYPE") {
    args_.verb = verb_;
  }
  const char* name() const override { return verb_.c_str(); }
  const char* help() const override { return help_.c_str(); }
  void add_flags(CLI::App& cmd) override {
    cmd.add_option("type", args_.type, "entity type (GET /schema)")->required();
    cmd.add_option("--org", args_.org)->required();
    if (verb_ != "list") cmd.add_option("id", args_.id)->required();
    if (verb_ == "list") {
      cmd.add_option("--where", args_.where, kWhereHelp);
      cmd.add_option("--limit", args_.limit, "at most N rows (0: all; says when more follow)");
    }
    if (verb_ == "set") {
      cmd.add_option("field", args_.field)->required();
      cmd.add_option("value", args_.value, "JSON or text")->required();
    }
    if (verb_ == "create") cmd.add_option("fields", args_.assignments, "FIELD=VALUE ...");
  }
  int run(Env& env) override { return run_entity_command(env, args_); }

 private:
  std::string verb_, help_;
  EntityArgs args_;
};

// The verbs on `page`, as the README and users' scripts have them.
class Pages : public Command {
 public:
  const char* name() const override { return "pages"; }
  const char* help() const override { return "list|get|create|set|delete pages"; }
  void add_flags(CLI::App& cmd) override {
    cmd.add_option("action", args_.verb)
        ->required()
        ->check(CLI::IsMember({"list", "get", "create", "set", "delete"}));
    cmd.add_option("--org", args_.org)->required();
    cmd.add_option("id", args_.id);
    cmd.add_option("arg1", arg1_, "name (create) or field (set)");
    cmd.add_option("arg2", args_.value, "value (set; JSON or text)");
    cmd.add_option("--where", args_.where, kWhereHelp);
  }
  int run(Env& env) override {
    args_.type = "page";
    args_.pages = true;
    (args_.verb == "create" ? args_.name : args_.field) = arg1_;
    return run_entity_command(env, args_);
  }

 private:
  EntityArgs args_;
  std::string arg1_;
};

class Sync : public Command {
 public:
  const char* name() const override { return "sync"; }
  const char* help() const override {
    return "hydrate (or catch up) this machine's copy of the organization, then exit";
  }
  void add_flags(CLI::App& cmd) override {
    cmd.add_option("--org", org_)->required();
    cmd.add_option("--timeout", timeout_, "give up after S seconds")->check(CLI::Range(1, 86'400));
  }
  int run(Env& env) override {
    auto org = open_org(env, org_);
    return org ? run_sync(org->options, org_, timeout_) : 1;
  }

 private:
  std::string org_;
  int timeout_ = 600;
};

std::atomic<bool> g_stop{false};

class Watch : public Command {
 public:
  const char* name() const override { return "watch"; }
  const char* help() const override { return "print the organization's changes as they happen"; }
  void add_flags(CLI::App& cmd) override {
    cmd.add_option("--org", org_)->required();
    cmd.add_option("--seconds", seconds_, "stop after N seconds (0: until Ctrl-C)");
    cmd.add_option("--where", where_, kWhereHelp);
  }
  int run(Env& env) override {
    auto org = open_org(env, org_);
    if (!org) return 1;
    if (!where_.empty()) {
      auto shape = where_shape(where_, "");
      if (auto* why = std::get_if<std::string>(&shape)) {
        std::cerr << "error: " << *why << "\n";
        return 2;
      }
      org->options.shapes.push_back(std::get<Shape>(shape));
      // The server's verdict on it first (400 with the reason), not a stream that never opens.
      auto check =
          env.api.call("GET", "/organizations/" + org->id + "/live?offset=now&shape=" +
                                  query_encode(syncline::json_text(org->options.shapes.back())));
      if (check.status != 0 && !check.ok()) return fail(env, check);
    }
    return watch(*org);
  }

 private:
  int watch(const OpenOrg& org) {
    Client client(org.options);
    const auto queued_before = client.outbox().entries(org.id);  // left by earlier runs
    std::signal(SIGINT, [](int) { g_stop = true; });
    // With --where, an entity that no longer matches is gone from the view like a deleted one.
    const std::string gone = where_.empty() ? "deleted" : "removed (deleted or no longer matching)";
    client.store().subscribe([gone](const Change& c) {
      print_line(std::cout, c.key.entity_type + " " + c.key.entity_id + " " +
                                (c.entity ? syncline::json_text(c.entity->data) : gone));
    });
    if (!client.start()) {
      std::cerr << "could not reach the live stream\n";
      return 1;
    }
    print_line(std::cout, "watching " + org_ + " (Ctrl-C stops)");
    report_queued(client, queued_before, org_);
    ConflictNotices notices;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds_);
    while (!g_stop && (seconds_ == 0 || std::chrono::steady_clock::now() < until)) {
      notices.poll(client, org_);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return 0;
  }

  std::string org_;
  int seconds_ = 0;
  std::vector<std::string> where_;
};

class Conflicts : public Command {
 public:
  const char* name() const override { return "conflicts"; }
  const char* help() const override { return "resolve offline edits the server overtook"; }
  void add_flags(CLI::App& cmd) override {
    cmd.add_option("--org", org_)->required();
    cmd.add_option("action", action_, "list | resolve (none: ask for each)")
        ->check(CLI::IsMember({"list", "resolve"}));
    cmd.add_option("id", id_, "conflict id (resolve)");
    auto* mine = cmd.add_flag("--keep-mine", keep_mine_, "send mine over the server's");
    auto* server = cmd.add_flag("--keep-server", keep_server_, "drop mine")->excludes(mine);
    cmd.add_option("--value", merged_, "send this merged value (JSON or text)")
        ->excludes(mine)
        ->excludes(server);
  }
  int run(Env& env) override {
    auto org = open_org(env, org_);
    if (!org) return 1;
    std::optional<std::pair<Resolution, json::value>> choice;
    if (keep_mine_) choice.emplace(Resolution::kKeepMine, nullptr);
    if (keep_server_) choice.emplace(Resolution::kKeepServer, nullptr);
    if (merged_) choice.emplace(Resolution::kMerge, value_of(*merged_));
    Client client(org->options);
    return run_conflicts(client, action_, id_, choice);
  }

 private:
  std::string org_, action_;
  std::int64_t id_ = 0;
  bool keep_mine_ = false, keep_server_ = false;
  std::optional<std::string> merged_;
};

}  // namespace

std::vector<std::unique_ptr<Command>> all_commands() {
  std::vector<std::unique_ptr<Command>> all;
  all.push_back(std::make_unique<Login>());
  all.push_back(std::make_unique<Orgs>());
  all.push_back(std::make_unique<Invitations>());
  all.push_back(std::make_unique<Invite>());
  all.push_back(std::make_unique<Pages>());
  for (const char* verb : {"list", "get", "create", "set", "delete"})
    all.push_back(std::make_unique<Verb>(verb));
  all.push_back(std::make_unique<Sync>());
  all.push_back(std::make_unique<Watch>());
  all.push_back(std::make_unique<Conflicts>());
  return all;
}
