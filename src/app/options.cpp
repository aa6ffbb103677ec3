#include "app/options.h"

#include <spdlog/spdlog.h>

#include <fstream>

#include "cdc/retention.h"
#include "common/net.h"
#include "common/random.h"
#include "db/own_schema.h"
#include "entities/registry.h"
#include "entities/schema_file.h"
#include "http/cors.h"

namespace syncline::app {

void add_global_flags(CLI::App& app, Options& o) {
  o.db_schema = db::kDefaultOwnSchema;
  app.add_option("--database-url", o.cfg.database_url, "libpq connection URL")
      ->envname("SYNCLINE_DATABASE_URL");
  app.add_option("--log-level", o.cfg.log_level, "trace|debug|info|warn|error")
      ->envname("SYNCLINE_LOG_LEVEL");
  app.add_option("--db-schema", o.db_schema,
                 "Postgres schema of Syncline's own tables (created by migrate; never an app's)")
      ->envname("SYNCLINE_DB_SCHEMA");
}

void add_serve_flags(CLI::App& sub, Options& o) {
  sub.add_option("--jwt-jwks", o.jwt.jwks_file,
                 "JWKS file of the identity provider's RS256/ES256 public keys")
      ->envname("SYNCLINE_JWT_JWKS");
  sub.add_option("--jwt-jwks-url", o.jwt.jwks_url,
                 "https URL of the identity provider's JWKS (fetched again on rotation)")
      ->envname("SYNCLINE_JWT_JWKS_URL");
  sub.add_option("--jwt-jwks-ca-file", o.jwt.jwks_ca_file,
                 "CA certificates for --jwt-jwks-url (default: the system's)")
      ->envname("SYNCLINE_JWT_JWKS_CA_FILE");
  sub.add_option("--jwt-secret", o.jwt.secret, "HS256 secret of the identity provider's JWTs")
      ->envname("SYNCLINE_JWT_SECRET");
  sub.add_option("--jwt-issuer", o.jwt.issuer, "required `iss` of JWTs")
      ->envname("SYNCLINE_JWT_ISSUER");
  sub.add_option("--jwt-audience", o.jwt.audience, "required `aud` of JWTs")
      ->envname("SYNCLINE_JWT_AUDIENCE");
  sub.add_option("--jwt-orgs-claim", o.jwt.orgs_claim,
                 "claim mapping organization ids to \"admin\" or \"member\"")
      ->envname("SYNCLINE_JWT_ORGS_CLAIM");
  sub.add_option("--listen", o.listen, "HOST:PORT to bind (port 0 picks a free one)")
      ->envname("SYNCLINE_LISTEN");
  sub.add_option("--port-file", o.cfg.port_file, "write the bound port to this file")
      ->envname("SYNCLINE_PORT_FILE");
  sub.add_option("--io-threads", o.cfg.io_threads, "event-loop threads")
      ->envname("SYNCLINE_IO_THREADS")
      ->check(CLI::Range(1, 64));
  sub.add_option("--db-pool", o.cfg.db_pool_size, "Postgres connections / handler threads")
      ->envname("SYNCLINE_DB_POOL")
      ->check(CLI::Range(1, 256));
  sub.add_flag("--cookie-secure", o.cfg.cookie_secure, "mark the session cookie Secure (TLS)")
      ->envname("SYNCLINE_COOKIE_SECURE");
  sub.add_option("--stream-write-timeout", o.cfg.stream_write_timeout_s,
                 "seconds a live stream may take no bytes before it is closed")
      ->envname("SYNCLINE_STREAM_WRITE_TIMEOUT")
      ->check(CLI::Range(1, 3600));
  sub.add_option("--presence-ttl", o.cfg.presence_ttl_s,
                 "seconds a presence lives after its last PUT (clients renew every 10 s)")
      ->envname("SYNCLINE_PRESENCE_TTL")
      ->check(CLI::Range(2, 3600));
  sub.add_option("--max-streams-per-session", o.cfg.max_streams_per_session,
                 "live streams one session may hold open")
      ->envname("SYNCLINE_MAX_STREAMS_PER_SESSION")
      ->check(CLI::Range(1, 1'000'000));
  sub.add_option("--max-streams", o.cfg.max_streams, "live streams this node holds open")
      ->envname("SYNCLINE_MAX_STREAMS")
      ->check(CLI::Range(1, 10'000'000));
  sub.add_option("--max-snapshots", o.cfg.max_snapshots,
                 "snapshots this node streams at once (each holds a database connection)")
      ->envname("SYNCLINE_MAX_SNAPSHOTS")
      ->check(CLI::Range(1, 256));
  sub.add_option("--sign-up-burst", o.cfg.sign_up_burst,
                 "sign-ups one address (IPv6: one /64) may make at once; one more per second")
      ->envname("SYNCLINE_SIGN_UP_BURST")
      ->check(CLI::Range(1, 1'000'000));
  sub.add_option("--sign-ups-per-hour", o.cfg.sign_ups_per_hour,
                 "sign-ups one address (IPv6: one /64) may make in a clock hour, on all nodes")
      ->envname("SYNCLINE_SIGN_UPS_PER_HOUR")
      ->check(CLI::Range(1, 1'000'000));
  sub.add_option("--max-orgs-per-user", o.cfg.max_orgs_per_user,
                 "organizations one account may create (JWT claim orgs do not count)")
      ->envname("SYNCLINE_MAX_ORGS_PER_USER")
      ->check(CLI::Range(1, 1'000'000));
  sub.add_option("--snapshot-max-seconds", o.cfg.snapshot_max_seconds,
                 "seconds a snapshot may last, whatever the reader's pace")
      ->envname("SYNCLINE_SNAPSHOT_MAX_SECONDS")
      ->check(CLI::Range(1, 86'400));
  sub.add_option("--trusted-proxy", o.trusted_proxies,
                 "CIDR of a proxy whose X-Forwarded-For/-Proto are believed (repeatable)")
      ->envname("SYNCLINE_TRUSTED_PROXIES")
      ->delimiter(',');
  sub.add_option(
         "--org-write-rate", o.cfg.org_write_rate,
         "mutations per second one org may send this node (bursts of twice that); 0: no quota")
      ->envname("SYNCLINE_ORG_WRITE_RATE")
      ->check(CLI::Range(0.0, 1e9));
  sub.add_option("--local-accounts", o.local_accounts,
                 "on: local sign-up and sign-in; off: identity from JWTs only")
      ->envname("SYNCLINE_LOCAL_ACCOUNTS")
      ->check(CLI::IsMember({"on", "off"}));
  sub.add_option("--cors-origin", o.cfg.cors_origins,
                 "origin (https://app.example.com) whose pages may call the API; exact, "
                 "repeatable")
      ->envname("SYNCLINE_CORS_ORIGINS")
      ->delimiter(',');
  sub.add_option("--ops-token", o.cfg.ops_token,
                 "bearer token /metrics and /health/sync require (unset: open)")
      ->envname("SYNCLINE_OPS_TOKEN");
  sub.add_option("--ops-token-file", o.ops_token_file,
                 "a file holding the ops token (the systemd unit makes one on first start)")
      ->envname("SYNCLINE_OPS_TOKEN_FILE");
  sub.add_option("--max-connections", o.cfg.max_connections,
                 "HTTP connections this node holds open")
      ->envname("SYNCLINE_MAX_CONNECTIONS")
      ->check(CLI::Range(1, 10'000'000));
}

void add_schema_flag(CLI::App& sub, Options& o) {
  sub.add_option("--schema", o.schema_file,
                 "schema file declaring the synced types (default: the demo's pages and "
                 "attachments, schema/demo.yaml)")
      ->envname("SYNCLINE_SCHEMA");
}

void add_cdc_flags(CLI::App& sub, Options& o) {
  sub.add_option("--slot", o.cfg.cdc_slot, "logical replication slot")
      ->envname("SYNCLINE_CDC_SLOT");
  sub.add_option("--publication", o.cfg.cdc_publication, "publication of the synced tables")
      ->envname("SYNCLINE_CDC_PUBLICATION");
  sub.add_option("--tx-publication", o.cfg.cdc_tx_publication,
                 "insert-only publication of applied_transactions")
      ->envname("SYNCLINE_CDC_TX_PUBLICATION");
  sub.add_option("--decoding-work-mem", o.cfg.cdc_decoding_work_mem_kb,
                 "kB of decoded changes Postgres holds per transaction before streaming it "
                 "to the worker ahead of its commit (logical_decoding_work_mem)")
      ->envname("SYNCLINE_CDC_DECODING_WORK_MEM")
      ->check(CLI::Range(64, 2'097'151));
  sub.add_option("--bulk-threshold", o.cfg.bulk_threshold,
                 "rows of one organization and type in one transaction above which the "
                 "change is logged as one refetch marker (clients reload the type); 0: never")
      ->envname("SYNCLINE_BULK_THRESHOLD")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000'000}));
  sub.add_option("--activity-retention", o.cfg.activity_retention,
                 "keep the activity log to this age (30d, 12h) or count of rows (200000); "
                 "older activities are pruned, offsets below an org's floor reset "
                 "(default: keep everything)")
      ->envname("SYNCLINE_ACTIVITY_RETENTION")
      ->check([](const std::string& v) {
        return cdc::parse_retention(v) ? std::string() : "an age (30d, 12h) or a count";
      });
  sub.add_option("--history-bytes-per-org", o.cfg.history_bytes_per_org,
                 "stored bytes of past text values kept per organization for merging stale "
                 "edits (merge: text); the oldest go first, their hashes stay")
      ->envname("SYNCLINE_HISTORY_BYTES_PER_ORG")
      ->check(CLI::Range(std::int64_t{1024}, std::int64_t{1} << 50));
}

namespace {

void parse_listen(const std::string& s, Config& cfg) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) throw CLI::ValidationError("--listen", "expected HOST:PORT");
  cfg.listen_host = s.substr(0, colon);
  int port = std::stoi(s.substr(colon + 1));
  if (port < 0 || port > 65535) throw CLI::ValidationError("--listen", "port out of range");
  cfg.listen_port = static_cast<unsigned short>(port);
}

// SCHEMA-002: a malformed schema file is refused before anything starts, with its line.
bool load_schema(const Options& o) {
  if (o.schema_file.empty()) return true;
  auto loaded = entities::load_schema_file(o.schema_file);
  if (auto* e = std::get_if<entities::SchemaError>(&loaded)) {
    spdlog::error("schema: {}", e->message());
    return false;
  }
  entities::install_schema(std::move(std::get<std::vector<entities::EntityType>>(loaded)));
  return true;
}

// What the API's flags name, checked: proxies, local accounts, the ops token, CORS origins.
bool check_serve_options(Options& o) {
  for (const auto& t : o.trusted_proxies) {
    auto cidr = parse_cidr(t);
    if (!cidr) throw std::runtime_error("--trusted-proxy: '" + t + "' is not an address or CIDR");
    o.cfg.trusted_proxies.push_back(*cidr);
  }
  o.cfg.local_accounts = o.local_accounts == "on";
  if (!o.ops_token_file.empty()) {
    std::ifstream in(o.ops_token_file);
    if (!(in >> o.cfg.ops_token)) {  // the first word: a trailing newline is not part of it
      spdlog::error("--ops-token-file: cannot read a token from {}", o.ops_token_file);
      return false;
    }
  }
  for (const auto& origin : o.cfg.cors_origins)
    if (auto why = http::invalid_cors_origin(origin))
      throw std::runtime_error("--cors-origin: '" + origin + "': " + *why);
  return true;
}

// JWT-001: a bad key file is refused at start, like a bad schema file; so is a JWKS URL whose
// first fetch fails (ADOPT-004). The source refreshes the keys until exit.
bool install_jwt_keys(Options& o) {
  const auto& jwt = o.jwt;
  if (!jwt.jwks_url.empty() && (!jwt.jwks_file.empty() || !jwt.secret.empty())) {
    spdlog::error("jwt: give exactly one of --jwt-jwks, --jwt-jwks-url and --jwt-secret");
    return false;
  }
  if (!jwt.jwks_url.empty()) {
    auto source = auth::JwksSource::start(jwt);
    if (!source) {
      spdlog::error("jwt: {}", source.error().message);
      return false;
    }
    o.jwks_source = std::move(*source);
  } else if (!jwt.jwks_file.empty() || !jwt.secret.empty()) {
    auto verifier = auth::JwtVerifier::create(jwt);
    if (!verifier) {
      spdlog::error("jwt: {}", verifier.error().message);
      return false;
    }
    auth::install_jwt(std::move(*verifier));
  }
  return true;
}

}  // namespace

int prepare(Options& o) {
  spdlog::set_level(spdlog::level::from_str(o.cfg.log_level));
  spdlog::flush_on(spdlog::level::trace);  // logs reach files and pipes line by line
  if (!o.listen.empty()) parse_listen(o.listen, o.cfg);
  // ADOPT-001: before the schema file (its tables may not live here) and any connection.
  if (!db::valid_own_schema(o.db_schema))
    throw std::runtime_error("--db-schema: '" + o.db_schema +
                             "' must be a lower-case identifier other than public, pg_* and "
                             "information_schema");
  db::set_own_schema(o.db_schema);
  if (!load_schema(o) || !check_serve_options(o)) return 1;
  init_crypto();
  return install_jwt_keys(o) ? 0 : 1;
}

}  // namespace syncline::app
