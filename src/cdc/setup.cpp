#include "cdc/setup.h"

#include <spdlog/spdlog.h>

#include "cdc/worker.h"
#include "db/sql.h"
#include "entities/registry.h"
#include "wire/notice.h"

namespace syncline::cdc {

namespace {
void require_identifier(const std::string& name, const char* what) {
  if (!db::is_plain_identifier(name))
    throw CdcConfigError(std::string(what) + " '" + name + "' must match [a-z_][a-z0-9_]*");
}

// A published table: its name as the catalog shows it ("schema.table") and as SQL text.
struct PublishedTable {
  std::string name;
  std::string sql;
};

void ensure_publication(db::Connection& c, const std::string& name,
                        const std::vector<PublishedTable>& tables, const char* with) {
  auto exists = c.exec("SELECT 1 FROM pg_publication WHERE pubname = $1", {name});
  if (exists.empty()) {
    std::string list;
    for (const auto& t : tables) list += (list.empty() ? "" : ", ") + t.sql;
    c.exec("CREATE PUBLICATION " + name + " FOR TABLE " + list + with);
    spdlog::info("cdc: created publication {} ({})", name, list);
    return;
  }
  for (const auto& t : tables) {
    auto has = c.exec(
        "SELECT 1 FROM pg_publication_tables WHERE pubname = $1 AND (schemaname || '.' ||"
        " tablename = $2 OR (schemaname = current_schema() AND tablename = $2))",
        {name, t.name});
    if (has.empty()) {
      c.exec("ALTER PUBLICATION " + name + " ADD TABLE " + t.sql);
      spdlog::info("cdc: added {} to publication {}", t.name, name);
    }
  }
}
}  // namespace

void check_prerequisites(db::Connection& c, const Config& cfg) {
  require_identifier(cfg.cdc_slot, "slot name");
  require_identifier(cfg.cdc_publication, "publication name");
  require_identifier(cfg.cdc_tx_publication, "publication name");
  auto r = c.exec(
      "SELECT current_setting('wal_level'),"
      " (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user)");
  if (r.get(0, 0) != "logical")
    throw CdcConfigError("wal_level is '" + std::string(r.get(0, 0)) +
                         "': the CDC worker needs wal_level=logical (postgresql.conf, restart)");
  if (!r.get_bool(0, 1))
    throw CdcConfigError(
        "the database role lacks the REPLICATION attribute: ALTER ROLE … REPLICATION");
}

bool try_become_active(db::Connection& c, const Config& cfg) {
  auto r = c.exec("SELECT pg_try_advisory_lock(hashtext('syncline_cdc:' || $1))", {cfg.cdc_slot});
  return r.get_bool(0, 0);
}

void ensure_publications(db::Connection& c, const Config& cfg) {
  std::vector<PublishedTable> tables;
  for (const auto& t : entities::entity_types()) tables.push_back({t.table, t.sql_table});
  ensure_publication(c, cfg.cdc_publication, tables, "");
  ensure_publication(c, cfg.cdc_tx_publication, {{"applied_transactions", "applied_transactions"}},
                     " WITH (publish = 'insert')");
}

// The epoch of a new slot is recorded before the slot and becomes current only after it:
// - a crash between the two leaves a pending epoch, made current once a slot exists: never a
//   slot whose changes could be mistaken for a continuous history;
// - a slot exists once every transaction running at its creation has ended (its consistent
//   point), and those are the changes it will not decode: by the time clients get the reset
//   and reload, all of them have committed, so the reload sees them (DEPLOY-040: after a
//   primary failover, writes the old slot never decoded reach clients this way).
bool ensure_slot(db::Connection& c, const Config& cfg) {
  auto r =
      c.exec("SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1", {cfg.cdc_slot});
  if (!r.empty() && r.get(0, 0) != "lost") {
    if (activate_pending_epochs(c))
      spdlog::info("cdc: slot {} exists: its pending sync epoch is now current", cfg.cdc_slot);
    return false;
  }
  if (!r.empty()) {
    spdlog::error(
        "cdc: slot {} lost its WAL (max_slot_wal_keep_size): recreating it; clients"
        " with older offsets will reset",
        cfg.cdc_slot);
    c.exec("SELECT pg_drop_replication_slot($1)", {cfg.cdc_slot});
  }
  begin_epoch(c, EpochStart::kPending);
  c.exec("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", {cfg.cdc_slot});
  activate_pending_epochs(c);
  spdlog::info("cdc: created replication slot {} (new sync epoch)", cfg.cdc_slot);
  return true;
}

// The epoch's boundary is an id taken from the activities' sequence and never used: every id
// a client saw before is below it (so its offset is refused: it must reload), while a client
// of the new epoch with nothing newer holds exactly the boundary (offset -1 / now: valid). The
// first epoch (the first slot) starts after the log as it is: nothing came before to miss.
void begin_epoch(db::Connection& c, EpochStart start) {
  c.exec(
      "WITH e AS (INSERT INTO sync_epochs(first_activity_id, ready, starts_slot)"
      " SELECT CASE WHEN EXISTS (SELECT 1 FROM sync_epochs)"
      "  THEN nextval(pg_get_serial_sequence('activities', 'id')) + 1"
      "  ELSE (SELECT coalesce(max(id), 0) + 1 FROM activities) END, $1::boolean,"
      "  NOT $1::boolean RETURNING id)"
      " SELECT pg_notify($2, id::text) FROM e WHERE $1::boolean",
      {start == EpochStart::kNow ? "true" : "false", wire::kEpochChannel});
}

bool activate_pending_epochs(db::Connection& c) {
  auto r = c.exec(
      "WITH e AS (UPDATE sync_epochs SET ready = true WHERE NOT ready RETURNING id)"
      " SELECT pg_notify($1, max(id)::text) FROM e HAVING count(*) > 0",
      {wire::kEpochChannel});
  return !r.empty();
}

std::int64_t prune_applied_transactions(db::Connection& c, const Retention& retention) {
  // 30 days, and with a bounded log never past its oldest activity: a client reset by the
  // retention re-sends nothing the ledger forgot while the log still knew it (DATA-SCALE-004).
  const std::string horizon =
      retention.enabled()
          ? "least(now() - interval '30 days', (SELECT min(created_at) FROM activities))"
          : "now() - interval '30 days'";
  std::int64_t total = 0;
  for (;;) {
    auto r =
        c.exec("WITH h AS (SELECT coalesce(" + horizon +
               ", now() - interval '30 days') AS t),"
               " d AS (DELETE FROM applied_transactions WHERE ctid IN (SELECT ctid FROM"
               " applied_transactions, h WHERE created_at < h.t LIMIT 10000) RETURNING 1),"
               " m AS (INSERT INTO ledger_horizon AS l (pruned_before) SELECT t FROM h"
               " WHERE EXISTS (SELECT 1 FROM d) ON CONFLICT (one) DO UPDATE SET pruned_before ="
               " greatest(l.pruned_before, EXCLUDED.pruned_before)) SELECT count(*) FROM d");
    const auto n = r.get_int(0, 0);
    total += n;
    if (n < 10000) break;
  }
  if (total > 0) spdlog::info("cdc: pruned {} applied transactions", total);
  return total;
}

void heartbeat(db::Connection& c, const std::string& worker_id, const std::string& state,
               const std::optional<std::string>& last_lsn, bool message_seen) {
  c.exec(
      "INSERT INTO cdc_workers AS w (id, state, last_lsn, last_message_at, heartbeat_at)"
      " VALUES ($1, $2, $3::pg_lsn, CASE WHEN $4::boolean THEN now() END, now())"
      " ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state,"
      " last_lsn = coalesce(EXCLUDED.last_lsn, w.last_lsn),"
      " last_message_at = coalesce(EXCLUDED.last_message_at, w.last_message_at),"
      " heartbeat_at = now(), halt_reason = NULL",
      {worker_id, state, last_lsn, message_seen ? "true" : "false"});
}

void record_halt(db::Connection& c, const std::string& worker_id, const std::string& reason) {
  c.exec(
      "INSERT INTO cdc_workers AS w (id, state, halt_reason, heartbeat_at)"
      " VALUES ($1, 'halted', $2, now())"
      " ON CONFLICT (id) DO UPDATE SET state = 'halted', halt_reason = $2, heartbeat_at = now()",
      {worker_id, reason});
}

}  // namespace syncline::cdc
