// syncline: one binary, subcommands serve | all | migrate | seed | user create | org create.
// Flags override SYNCLINE_* environment variables. Startup errors exit non-zero with a
// one-line message; nothing here runs on the event loop.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "auth/jwks_source.h"
#include "auth/jwt.h"
#include "auth/password.h"
#include "auth/users.h"
#include "cdc/retention.h"
#include "cdc/worker.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/memory.h"
#include "common/random.h"
#include "db/migrate.h"
#include "db/own_schema.h"
#include "db/pool.h"
#include "entities/mutations.h"
#include "entities/schema_db.h"
#include "entities/schema_file.h"
#include "entities/typescript.h"
#include "http/cors.h"
#include "http/routes.h"
#include "http/server.h"
#include "orgs/organizations.h"
#include "presence/relay.h"
#include "stream/activity_bus.h"
#include "sync/hlc.h"

using namespace syncline;

namespace {

void parse_listen(const std::string& s, Config& cfg) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) throw CLI::ValidationError("--listen", "expected HOST:PORT");
  cfg.listen_host = s.substr(0, colon);
  int port = std::stoi(s.substr(colon + 1));
  if (port < 0 || port > 65535) throw CLI::ValidationError("--listen", "port out of range");
  cfg.listen_port = static_cast<unsigned short>(port);
}

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

// `schema_checked`: the caller ran refuse_a_mismatched_schema before starting other threads
// (the registry is replaced there, before any reader).
void run_serve(const Config& cfg, bool schema_checked = false) {
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

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{"Syncline: realtime + offline sync engine for PostgreSQL"};
  app.require_subcommand(1);
  app.add_option("--database-url", cfg.database_url, "libpq connection URL")
      ->envname("SYNCLINE_DATABASE_URL");
  app.add_option("--log-level", cfg.log_level, "trace|debug|info|warn|error")
      ->envname("SYNCLINE_LOG_LEVEL");
  std::string db_schema(db::kDefaultOwnSchema);
  app.add_option("--db-schema", db_schema,
                 "Postgres schema of Syncline's own tables (created by migrate; never an app's)")
      ->envname("SYNCLINE_DB_SCHEMA");

  std::string listen;
  std::vector<std::string> trusted_proxies;
  std::string ops_token_file;
  std::string local_accounts = "on";
  auth::JwtSettings jwt;
  auto add_serve_flags = [&](CLI::App* sub) {
    sub->add_option("--jwt-jwks", jwt.jwks_file,
                    "JWKS file of the identity provider's RS256/ES256 public keys")
        ->envname("SYNCLINE_JWT_JWKS");
    sub->add_option("--jwt-jwks-url", jwt.jwks_url,
                    "https URL of the identity provider's JWKS (fetched again on rotation)")
        ->envname("SYNCLINE_JWT_JWKS_URL");
    sub->add_option("--jwt-jwks-ca-file", jwt.jwks_ca_file,
                    "CA certificates for --jwt-jwks-url (default: the system's)")
        ->envname("SYNCLINE_JWT_JWKS_CA_FILE");
    sub->add_option("--jwt-secret", jwt.secret, "HS256 secret of the identity provider's JWTs")
        ->envname("SYNCLINE_JWT_SECRET");
    sub->add_option("--jwt-issuer", jwt.issuer, "required `iss` of JWTs")
        ->envname("SYNCLINE_JWT_ISSUER");
    sub->add_option("--jwt-audience", jwt.audience, "required `aud` of JWTs")
        ->envname("SYNCLINE_JWT_AUDIENCE");
    sub->add_option("--jwt-orgs-claim", jwt.orgs_claim,
                    "claim mapping organization ids to \"admin\" or \"member\"")
        ->envname("SYNCLINE_JWT_ORGS_CLAIM");
    sub->add_option("--listen", listen, "HOST:PORT to bind (port 0 picks a free one)")
        ->envname("SYNCLINE_LISTEN");
    sub->add_option("--port-file", cfg.port_file, "write the bound port to this file")
        ->envname("SYNCLINE_PORT_FILE");
    sub->add_option("--io-threads", cfg.io_threads, "event-loop threads")
        ->envname("SYNCLINE_IO_THREADS")
        ->check(CLI::Range(1, 64));
    sub->add_option("--db-pool", cfg.db_pool_size, "Postgres connections / handler threads")
        ->envname("SYNCLINE_DB_POOL")
        ->check(CLI::Range(1, 256));
    sub->add_flag("--cookie-secure", cfg.cookie_secure, "mark the session cookie Secure (TLS)")
        ->envname("SYNCLINE_COOKIE_SECURE");
    sub->add_option("--stream-write-timeout", cfg.stream_write_timeout_s,
                    "seconds a live stream may take no bytes before it is closed")
        ->envname("SYNCLINE_STREAM_WRITE_TIMEOUT")
        ->check(CLI::Range(1, 3600));
    sub->add_option("--presence-ttl", cfg.presence_ttl_s,
                    "seconds a presence lives after its last PUT (clients renew every 10 s)")
        ->envname("SYNCLINE_PRESENCE_TTL")
        ->check(CLI::Range(2, 3600));
    sub->add_option("--max-streams-per-session", cfg.max_streams_per_session,
                    "live streams one session may hold open")
        ->envname("SYNCLINE_MAX_STREAMS_PER_SESSION")
        ->check(CLI::Range(1, 1'000'000));
    sub->add_option("--max-streams", cfg.max_streams, "live streams this node holds open")
        ->envname("SYNCLINE_MAX_STREAMS")
        ->check(CLI::Range(1, 10'000'000));
    sub->add_option("--max-snapshots", cfg.max_snapshots,
                    "snapshots this node streams at once (each holds a database connection)")
        ->envname("SYNCLINE_MAX_SNAPSHOTS")
        ->check(CLI::Range(1, 256));
    sub->add_option("--sign-up-burst", cfg.sign_up_burst,
                    "sign-ups one address (IPv6: one /64) may make at once; one more per second")
        ->envname("SYNCLINE_SIGN_UP_BURST")
        ->check(CLI::Range(1, 1'000'000));
    sub->add_option("--sign-ups-per-hour", cfg.sign_ups_per_hour,
                    "sign-ups one address (IPv6: one /64) may make in a clock hour, on all nodes")
        ->envname("SYNCLINE_SIGN_UPS_PER_HOUR")
        ->check(CLI::Range(1, 1'000'000));
    sub->add_option("--max-orgs-per-user", cfg.max_orgs_per_user,
                    "organizations one account may create (JWT claim orgs do not count)")
        ->envname("SYNCLINE_MAX_ORGS_PER_USER")
        ->check(CLI::Range(1, 1'000'000));
    sub->add_option("--snapshot-max-seconds", cfg.snapshot_max_seconds,
                    "seconds a snapshot may last, whatever the reader's pace")
        ->envname("SYNCLINE_SNAPSHOT_MAX_SECONDS")
        ->check(CLI::Range(1, 86'400));
    sub->add_option("--trusted-proxy", trusted_proxies,
                    "CIDR of a proxy whose X-Forwarded-For/-Proto are believed (repeatable)")
        ->envname("SYNCLINE_TRUSTED_PROXIES")
        ->delimiter(',');
    sub->add_option(
           "--org-write-rate", cfg.org_write_rate,
           "mutations per second one org may send this node (bursts of twice that); 0: no quota")
        ->envname("SYNCLINE_ORG_WRITE_RATE")
        ->check(CLI::Range(0.0, 1e9));
    sub->add_option("--local-accounts", local_accounts,
                    "on: local sign-up and sign-in; off: identity from JWTs only")
        ->envname("SYNCLINE_LOCAL_ACCOUNTS")
        ->check(CLI::IsMember({"on", "off"}));
    sub->add_option("--cors-origin", cfg.cors_origins,
                    "origin (https://app.example.com) whose pages may call the API; exact, "
                    "repeatable")
        ->envname("SYNCLINE_CORS_ORIGINS")
        ->delimiter(',');
    sub->add_option("--ops-token", cfg.ops_token,
                    "bearer token /metrics and /health/sync require (unset: open)")
        ->envname("SYNCLINE_OPS_TOKEN");
    sub->add_option("--ops-token-file", ops_token_file,
                    "a file holding the ops token (the systemd unit makes one on first start)")
        ->envname("SYNCLINE_OPS_TOKEN_FILE");
    sub->add_option("--max-connections", cfg.max_connections,
                    "HTTP connections this node holds open")
        ->envname("SYNCLINE_MAX_CONNECTIONS")
        ->check(CLI::Range(1, 10'000'000));
  };
  std::string schema_file;
  auto add_schema_flag = [&](CLI::App* sub) {
    sub->add_option("--schema", schema_file,
                    "schema file declaring the synced types (default: the demo's pages and "
                    "attachments, schema/demo.yaml)")
        ->envname("SYNCLINE_SCHEMA");
  };
  auto add_cdc_flags = [&](CLI::App* sub) {
    sub->add_option("--slot", cfg.cdc_slot, "logical replication slot")
        ->envname("SYNCLINE_CDC_SLOT");
    sub->add_option("--publication", cfg.cdc_publication, "publication of the synced tables")
        ->envname("SYNCLINE_CDC_PUBLICATION");
    sub->add_option("--tx-publication", cfg.cdc_tx_publication,
                    "insert-only publication of applied_transactions")
        ->envname("SYNCLINE_CDC_TX_PUBLICATION");
    sub->add_option("--decoding-work-mem", cfg.cdc_decoding_work_mem_kb,
                    "kB of decoded changes Postgres holds per transaction before streaming it "
                    "to the worker ahead of its commit (logical_decoding_work_mem)")
        ->envname("SYNCLINE_CDC_DECODING_WORK_MEM")
        ->check(CLI::Range(64, 2'097'151));
    sub->add_option("--bulk-threshold", cfg.bulk_threshold,
                    "rows of one organization and type in one transaction above which the "
                    "change is logged as one refetch marker (clients reload the type); 0: never")
        ->envname("SYNCLINE_BULK_THRESHOLD")
        ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000'000}));
    sub->add_option("--activity-retention", cfg.activity_retention,
                    "keep the activity log to this age (30d, 12h) or count of rows (200000); "
                    "older activities are pruned, offsets below an org's floor reset "
                    "(default: keep everything)")
        ->envname("SYNCLINE_ACTIVITY_RETENTION")
        ->check([](const std::string& v) {
          return cdc::parse_retention(v) ? std::string() : "an age (30d, 12h) or a count";
        });
    sub->add_option("--history-bytes-per-org", cfg.history_bytes_per_org,
                    "stored bytes of past text values kept per organization for merging stale "
                    "edits (merge: text); the oldest go first, their hashes stay")
        ->envname("SYNCLINE_HISTORY_BYTES_PER_ORG")
        ->check(CLI::Range(std::int64_t{1024}, std::int64_t{1} << 50));
  };
  auto* serve = app.add_subcommand("serve", "HTTP API");
  add_serve_flags(serve);
  add_cdc_flags(serve);  // the slot name, for /health/sync and /metrics
  add_schema_flag(serve);
  auto* cdc_cmd = app.add_subcommand("cdc", "CDC worker: logical replication into activities");
  add_cdc_flags(cdc_cmd);
  add_schema_flag(cdc_cmd);
  auto* all = app.add_subcommand("all", "HTTP API and CDC worker in one process (make run)");
  add_serve_flags(all);
  add_cdc_flags(all);
  add_schema_flag(all);
  auto* migrate = app.add_subcommand("migrate", "apply pending schema migrations");
  auto* seed = app.add_subcommand("seed", "create the demo user, organization and pages");

  auth::NewUser new_user;
  auto* user = app.add_subcommand("user", "user administration")->require_subcommand(1);
  auto* user_create = user->add_subcommand("create", "create a user");
  user_create->add_option("--email", new_user.email)->required();
  user_create->add_option("--password", new_user.password)->required();
  user_create->add_option("--name", new_user.name)->required();
  user_create->add_flag("--admin", new_user.system_admin, "system admin (bypasses org checks)");

  orgs::NewOrg new_org;
  std::string owner;
  auto* org = app.add_subcommand("org", "organization administration")->require_subcommand(1);
  auto* org_create = org->add_subcommand("create", "create an organization");
  org_create->add_option("--name", new_org.name)->required();
  org_create->add_option("--slug", new_org.slug)->required();
  org_create->add_option("--owner", owner, "email of the first admin")->required();

  auto* schema = app.add_subcommand("schema", "the declared schema against the database")
                     ->require_subcommand(1);
  auto* schema_check = schema->add_subcommand(
      "check", "name every mismatch between the schema file and the database (exit 1 if any)");
  auto* schema_apply = schema->add_subcommand(
      "apply", "create missing tables, add what Syncline needs to existing ones (never drops)");
  auto* schema_ts = schema->add_subcommand(
      "typescript", "print TypeScript types of the declared schema (JS-002; no database)");
  add_schema_flag(schema_check);
  add_schema_flag(schema_apply);
  entities::ApplyOptions apply_options;
  schema_apply->add_flag("--concurrently", apply_options.concurrently,
                         "build missing indexes with CREATE INDEX CONCURRENTLY after the rest "
                         "(writes to big tables go on meanwhile)");
  add_schema_flag(schema_ts);

  CLI11_PARSE(app, argc, argv);
  try {
    spdlog::set_level(spdlog::level::from_str(cfg.log_level));
    spdlog::flush_on(spdlog::level::trace);  // logs reach files and pipes line by line
    if (!listen.empty()) parse_listen(listen, cfg);
    // ADOPT-001: before the schema file (its tables may not live here) and any connection.
    if (!db::valid_own_schema(db_schema))
      throw std::runtime_error("--db-schema: '" + db_schema +
                               "' must be a lower-case identifier other than public, pg_* and "
                               "information_schema");
    db::set_own_schema(db_schema);
    // SCHEMA-002: a malformed schema file is refused before anything starts, with its line.
    if (!schema_file.empty()) {
      auto loaded = entities::load_schema_file(schema_file);
      if (auto* e = std::get_if<entities::SchemaError>(&loaded)) {
        spdlog::error("schema: {}", e->message());
        return 1;
      }
      entities::install_schema(std::move(std::get<std::vector<entities::EntityType>>(loaded)));
    }
    for (const auto& t : trusted_proxies) {
      auto cidr = parse_cidr(t);
      if (!cidr) throw std::runtime_error("--trusted-proxy: '" + t + "' is not an address or CIDR");
      cfg.trusted_proxies.push_back(*cidr);
    }
    cfg.local_accounts = local_accounts == "on";
    if (!ops_token_file.empty()) {
      std::ifstream in(ops_token_file);
      if (!(in >> cfg.ops_token)) {  // the first word: a trailing newline is not part of it
        spdlog::error("--ops-token-file: cannot read a token from {}", ops_token_file);
        return 1;
      }
    }
    for (const auto& o : cfg.cors_origins)
      if (auto why = http::invalid_cors_origin(o))
        throw std::runtime_error("--cors-origin: '" + o + "': " + *why);
    init_crypto();
    // JWT-001: a bad key file is refused at start, like a bad schema file; so is a JWKS URL
    // whose first fetch fails (ADOPT-004). The source refreshes the keys until exit.
    std::unique_ptr<auth::JwksSource> jwks_source;
    if (!jwt.jwks_url.empty() && (!jwt.jwks_file.empty() || !jwt.secret.empty())) {
      spdlog::error("jwt: give exactly one of --jwt-jwks, --jwt-jwks-url and --jwt-secret");
      return 1;
    }
    if (!jwt.jwks_url.empty()) {
      auto source = auth::JwksSource::start(jwt);
      if (!source) {
        spdlog::error("jwt: {}", source.error().message);
        return 1;
      }
      jwks_source = std::move(*source);
    } else if (!jwt.jwks_file.empty() || !jwt.secret.empty()) {
      auto verifier = auth::JwtVerifier::create(jwt);
      if (!verifier) {
        spdlog::error("jwt: {}", verifier.error().message);
        return 1;
      }
      auth::install_jwt(std::move(*verifier));
    }
    if (serve->parsed()) {
      run_serve(cfg);
    } else if (all->parsed()) {
      run_all(cfg);
    } else if (cdc_cmd->parsed()) {
      run_cdc(cfg);
    } else if (migrate->parsed()) {
      return run_migrate(cfg);
    } else if (schema_ts->parsed()) {
      std::cout << entities::typescript_types(entities::entity_types());
    } else if (schema_check->parsed() || schema_apply->parsed()) {
      return run_schema(cfg, schema_apply->parsed(), apply_options);
    } else if (seed->parsed()) {
      run_seed(cfg);
    } else if (user_create->parsed()) {
      db::Connection c(cfg.database_url);
      auto body = boost::json::object{
          {"email", new_user.email}, {"password", new_user.password}, {"name", new_user.name}};
      auto parsed = auth::parse_new_user(body);
      if (!parsed) throw std::runtime_error(parsed.error().message);
      parsed->system_admin = new_user.system_admin;
      auto u = auth::create_user(c, *parsed, auth::hash_password(parsed->password).value());
      if (!u) throw std::runtime_error(u.error().message);
      std::cout << u->id << std::endl;
    } else if (org_create->parsed()) {
      db::Connection c(cfg.database_url);
      auto found = c.exec("SELECT id FROM users WHERE email = $1", {owner});
      if (found.empty()) throw std::runtime_error("no user with email " + owner);
      db::Transaction tx(c);
      auto o = orgs::create_org(c, std::string(found.get(0, 0)), new_org);
      if (!o) throw std::runtime_error(o.error().message);
      tx.commit();
      std::cout << o->id << std::endl;
    }
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 0;
}
