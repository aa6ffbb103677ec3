#include "app/commands.h"

#include <iostream>

#include "app/run.h"
#include "auth/password.h"
#include "auth/users.h"
#include "db/connection.h"
#include "entities/typescript.h"
#include "orgs/organizations.h"

namespace syncline::app {

namespace {

// A group of subcommands (`user`, `org`, `schema`), made by the first of its members.
CLI::App& group(CLI::App& app, const std::string& name, const std::string& help) {
  for (auto* sub : app.get_subcommands([&](CLI::App* s) { return s->get_name() == name; }))
    return *sub;
  auto* g = app.add_subcommand(name, help);
  g->require_subcommand(1);
  return *g;
}

class Serve : public Command {
 public:
  CLI::App* add(CLI::App& app, Options& o) override {
    auto* sub = app.add_subcommand("serve", "HTTP API");
    add_serve_flags(*sub, o);
    add_cdc_flags(*sub, o);  // the slot name, for /health/sync and /metrics
    add_schema_flag(*sub, o);
    return sub;
  }
  int run(Options& o) override {
    run_serve(o.cfg);
    return 0;
  }
};

class Cdc : public Command {
 public:
  CLI::App* add(CLI::App& app, Options& o) override {
    auto* sub = app.add_subcommand("cdc", "CDC worker: logical replication into activities");
    add_cdc_flags(*sub, o);
    add_schema_flag(*sub, o);
    return sub;
  }
  int run(Options& o) override {
    run_cdc(o.cfg);
    return 0;
  }
};

class All : public Command {
 public:
  CLI::App* add(CLI::App& app, Options& o) override {
    auto* sub = app.add_subcommand("all", "HTTP API and CDC worker in one process (make run)");
    add_serve_flags(*sub, o);
    add_cdc_flags(*sub, o);
    add_schema_flag(*sub, o);
    return sub;
  }
  int run(Options& o) override {
    run_all(o.cfg);
    return 0;
  }
};

class Migrate : public Command {
 public:
  CLI::App* add(CLI::App& app, Options&) override {
    return app.add_subcommand("migrate", "apply pending schema migrations");
  }
  int run(Options& o) override { return run_migrate(o.cfg); }
};

class Seed : public Command {
 public:
  CLI::App* add(CLI::App& app, Options&) override {
    return app.add_subcommand("seed", "create the demo user, organization and pages");
  }
  int run(Options& o) override {
    run_seed(o.cfg);
    return 0;
  }
};

class UserCreate : public Command {
 public:
  CLI::App* add(CLI::App& app, Options&) override {
    auto* sub = group(app, "user", "user administration").add_subcommand("create", "create a user");
    sub->add_option("--email", user_.email)->required();
    sub->add_option("--password", user_.password)->required();
    sub->add_option("--name", user_.name)->required();
    sub->add_flag("--admin", user_.system_admin, "system admin (bypasses org checks)");
    return sub;
  }
  int run(Options& o) override {
    db::Connection c(o.cfg.database_url);
    auto body = boost::json::object{
        {"email", user_.email}, {"password", user_.password}, {"name", user_.name}};
    auto parsed = auth::parse_new_user(body);
    if (!parsed) throw std::runtime_error(parsed.error().message);
    parsed->system_admin = user_.system_admin;
    auto u = auth::create_user(c, *parsed, auth::hash_password(parsed->password).value());
    if (!u) throw std::runtime_error(u.error().message);
    std::cout << u->id << std::endl;
    return 0;
  }

 private:
  auth::NewUser user_;
};

class OrgCreate : public Command {
 public:
  CLI::App* add(CLI::App& app, Options&) override {
    auto* sub = group(app, "org", "organization administration")
                    .add_subcommand("create", "create an organization");
    sub->add_option("--name", org_.name)->required();
    sub->add_option("--slug", org_.slug)->required();
    sub->add_option("--owner", owner_, "email of the first admin")->required();
    return sub;
  }
  int run(Options& o) override {
    db::Connection c(o.cfg.database_url);
    auto found = c.exec("SELECT id FROM users WHERE email = $1", {owner_});
    if (found.empty()) throw std::runtime_error("no user with email " + owner_);
    db::Transaction tx(c);
    auto org = orgs::create_org(c, std::string(found.get(0, 0)), org_);
    if (!org) throw std::runtime_error(org.error().message);
    tx.commit();
    std::cout << org->id << std::endl;
    return 0;
  }

 private:
  orgs::NewOrg org_;
  std::string owner_;
};

CLI::App& schema_group(CLI::App& app) {
  return group(app, "schema", "the declared schema against the database");
}

// `schema check` and `schema apply` (SCHEMA-030..035).
class SchemaCheckOrApply : public Command {
 public:
  explicit SchemaCheckOrApply(bool apply) : apply_(apply) {}
  CLI::App* add(CLI::App& app, Options& o) override {
    auto* sub =
        apply_ ? schema_group(app).add_subcommand("apply",
                                                  "create missing tables, add what Syncline needs "
                                                  "to existing ones (never drops)")
               : schema_group(app).add_subcommand("check",
                                                  "name every mismatch between the schema file and "
                                                  "the database (exit 1 if any)");
    add_schema_flag(*sub, o);
    if (apply_)
      sub->add_flag("--concurrently", options_.concurrently,
                    "build missing indexes with CREATE INDEX CONCURRENTLY after the rest "
                    "(writes to big tables go on meanwhile)");
    return sub;
  }
  int run(Options& o) override { return run_schema(o.cfg, apply_, options_); }

 private:
  bool apply_;
  entities::ApplyOptions options_;
};

class SchemaTypescript : public Command {
 public:
  CLI::App* add(CLI::App& app, Options& o) override {
    auto* sub = schema_group(app).add_subcommand(
        "typescript", "print TypeScript types of the declared schema (JS-002; no database)");
    add_schema_flag(*sub, o);
    return sub;
  }
  int run(Options&) override {
    std::cout << entities::typescript_types(entities::entity_types());
    return 0;
  }
};

}  // namespace

std::vector<std::unique_ptr<Command>> all_commands() {
  std::vector<std::unique_ptr<Command>> all;
  all.push_back(std::make_unique<Serve>());
  all.push_back(std::make_unique<Cdc>());
  all.push_back(std::make_unique<All>());
  all.push_back(std::make_unique<Migrate>());
  all.push_back(std::make_unique<Seed>());
  all.push_back(std::make_unique<UserCreate>());
  all.push_back(std::make_unique<OrgCreate>());
  all.push_back(std::make_unique<SchemaCheckOrApply>(false));
  all.push_back(std::make_unique<SchemaCheckOrApply>(true));
  all.push_back(std::make_unique<SchemaTypescript>());
  return all;
}

}  // namespace syncline::app
