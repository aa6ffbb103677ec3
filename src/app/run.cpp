#include "app/run.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "auth/password.h"
#include "auth/users.h"
#include "cdc/worker.h"
#include "common/clock.h"
#include "common/memory.h"
#include "db/migrate.h"
#include "db/own_schema.h"
#include "db/pool.h"
#include "entities/mutations.h"
#include "http/routes.h"
#include "http/server.h"
#include "orgs/organizations.h"
#include "presence/relay.h"
#include "stream/activity_bus.h"
#include "sync/hlc.h"

namespace syncline::app {

namespace {
// One descriptor per connection: raise the soft limit to the hard one so that thousands of
// live streams do not hit the default 1,024.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// ADOPT-003: a node does not serve a schema file the database does not satisfy (writes would
// fail with database errors); missing list indexes only slow pages down, so they are logged.
void refuse_a_mismatched_schema(db::Connection& c) {
  auto r = entities::check_schema(c, entities::entity_types());
  for (const auto& s : r.slow) spdlog::warn("schema: {}", s);
  for (const auto& w : r.warnings) spdlog::warn("schema: {}", w);
  for (const auto& p : r.problems) spdlog::error("schema: {}", p);
  if (!r.problems.empty())
    throw std::runtime_error(
        "the database does not match the schema file (above); `syncline schema apply` makes "
        "what it can true");
  // Before any reader (ADOPT-003): statements cast to a Postgres enum column's own type.
  entities::install_schema(entities::with_column_types(c, entities::entity_types()));
}

}  // namespace

int run_migrate(const Config& cfg) {
  db::Connection c(cfg.database_url);
  auto applied = db::migrate(c);
  if (!applied) {
    spdlog::error("migrate: {}", applied.error().message);
    return 1;
  }
  spdlog::info("schema {} up to date ({} step(s) applied now)", db::own_schema(), applied->size());
  return 0;
}

// `schema_checked`: the caller ran refuse_a_mismatched_schema before starting other threads
// (the registry is replaced there, before any reader).
void run_serve(const Config& cfg, bool schema_checked) {
  raise_fd_limit();
  configure_allocator();
  db::Pool pool(cfg.database_url, cfg.db_pool_size);
  // Also fails fast on an unreachable database.
  if (!schema_checked) refuse_a_mismatched_schema(*pool.acquire());
  auto router = http::make_router();
  stream::SubscriberManager subscribers;
  orgs::AccessCache access_cache;  // live while the bus listens (its control notifications)
  stream::ActivityBus bus(cfg, subscribers, &access_cache);
  bus.start();
  presence::Relay relay(cfg);  // DESIGN §21: this node's presence changes, batched
  relay.start();
  presence::set_node_relay(&relay);
  http::serve(cfg, pool, router, subscribers, &access_cache);
  presence::set_node_relay(nullptr);
  relay.stop();
  bus.stop();
}

// `syncline cdc`: the worker on this thread; SIGINT/SIGTERM (taken by a sigwait thread)
// stop it after the transaction in hand is committed and acknowledged.
void run_cdc(const Config& cfg) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  cdc::Worker worker(cfg);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    spdlog::info("signal {}: stopping the CDC worker", sig);
    worker.stop();
  });
  try {
    worker.run();
  } catch (...) {
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    throw;
  }
  pthread_kill(waiter.native_handle(), SIGTERM);  // no-op when the waiter already returned
  waiter.join();
}

// `syncline all`: the API and the CDC worker in one process (the default of `make run`).
// The server owns the signals; when it returns, the worker drains and stops.
void run_all(const Config& cfg) {
  {
    db::Pool pool(cfg.database_url, 1);
    refuse_a_mismatched_schema(*pool.acquire());
  }
  cdc::Worker worker(cfg);
  std::thread cdc_thread([&] {
    try {
      worker.run();
    } catch (const std::exception& e) {
      spdlog::error("cdc: {} (the API keeps serving without change capture)", e.what());
    }
  });
  try {
    run_serve(cfg, true);
  } catch (...) {
    worker.stop();
    cdc_thread.join();
    throw;
  }
  worker.stop();
  cdc_thread.join();
}

// `syncline schema check|apply` (SCHEMA-030..035): prints one line per mismatch (check) or per
// change made (apply); exit 1 when anything is left that the database does not satisfy.
int run_schema(const Config& cfg, bool apply, const entities::ApplyOptions& options) {
  db::Connection c(cfg.database_url);
  const auto& types = entities::entity_types();
  if (!apply) {
    auto r = entities::check_schema(c, types);
    for (const auto& p : r.problems) std::cout << p << "\n";
    for (const auto& p : r.slow) std::cout << p << "\n";
    for (const auto& w : r.warnings) std::cout << "warning: " << w << "\n";
    if (r.ok()) std::cout << "schema matches the database (" << types.size() << " types)\n";
    return r.ok() ? 0 : 1;
  }
  auto r = entities::apply_schema(c, types, options);
  for (const auto& p : r.problems) std::cout << "cannot apply: " << p << "\n";
  if (!r.problems.empty()) {
    std::cout << "nothing was changed\n";
    return 1;
  }
  for (const auto& ch : r.changes) std::cout << ch << "\n";
  std::cout << "schema applied (" << r.changes.size() << " changes)\n";
  return 0;
}

// Demo data for `make run`: idempotent (skipped when the demo org exists).
void run_seed(const Config& cfg) {
  db::Connection c(cfg.database_url);
  const std::string email = "admin@syncline.local", password = "syncline-demo";
  if (orgs::find_org(c, "demo")) {
    spdlog::info("demo data already present");
  } else {
    auto user = auth::create_user(c, auth::NewUser{email, password, "Demo Admin", false},
                                  auth::hash_password(password).value());
    if (!user) throw std::runtime_error("seed: " + user.error().message);
    db::Transaction tx(c);
    auto org = orgs::create_org(c, user->id, orgs::NewOrg{"Demo Organization", "demo"});
    if (!org) throw std::runtime_error("seed: " + org.error().message);
    tx.commit();
    const char* names[] = {"Welcome to Syncline", "Getting started", "Offline editing"};
    const auto* pages = entities::find_by_name("page");
    auto now = now_ms();
    entities::Actor actor;
    actor.user_id = user->id;
    actor.role = "admin";
    entities::Target target{*pages, org->id, actor, ""};
    for (int i = 0; i < 3; ++i) {
      sync::Mutation m{sync::Action::kCreate,
                       {{"id", "demo-page-" + std::to_string(i + 1)},
                        {"name", names[i]},
                        {"status", i == 0 ? "published" : "unpublished"},
                        {"displayOrder", i}},
                       {sync::format_transaction_id({now, i, "seed"}), "seed", {}, {}}};
      if (auto r = entities::apply_mutation(c, target, m); !r)
        throw std::runtime_error("seed: " + r.error().message);
    }
    spdlog::info("seeded demo organization 'demo' with 3 pages");
  }
  std::cout << "demo credentials: " << email << " / " << password << std::endl;
}

}  // namespace syncline::app
