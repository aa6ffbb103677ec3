#include "cdc/status.h"

#include <boost/json/array.hpp>
#include <cstdlib>

#include "db/sql.h"

namespace syncline::cdc {

namespace json = boost::json;

SyncStatus read_sync_status(db::Connection& c, const Config& cfg) {
  SyncStatus s;
  json::array workers;
  bool active = false;
  // A halt counts while nothing beat after it (rows newest first): the newest row is a halt.
  // It stays past the day other rows are kept, until an operator starts a worker again.
  json::value halted = nullptr;
  auto w = c.exec("SELECT id, state, last_lsn::text, " + db::rfc3339("last_message_at") + ", " +
                  db::rfc3339("heartbeat_at") +
                  ", extract(epoch FROM now() - heartbeat_at)::float8, halt_reason"
                  " FROM cdc_workers WHERE heartbeat_at > now() - interval '1 day'"
                  " OR (state = 'halted' AND heartbeat_at >="
                  " (SELECT max(heartbeat_at) FROM cdc_workers))"
                  " ORDER BY heartbeat_at DESC");
  for (int i = 0; i < w.size(); ++i) {
    double age = std::strtod(std::string(w.get(i, 5)).c_str(), nullptr);
    const bool halt = w.get(i, 1) == "halted";
    const bool live = age < 5.0 || halt;  // a halted worker beats no more; it stays halted
    if (live && w.get(i, 1) == "active") active = true;
    if (halt && i == 0)
      halted = json::object{{"worker", w.get(i, 0)},
                            {"reason", w.is_null(i, 6) ? "" : w.get(i, 6)},
                            {"at", w.get(i, 4)}};
    workers.push_back(
        {{"id", w.get(i, 0)},
         {"state", live ? json::value(w.get(i, 1)) : json::value("gone")},
         {"lastLsn", w.is_null(i, 2) ? json::value(nullptr) : json::value(w.get(i, 2))},
         {"lastMessageAt", w.is_null(i, 3) ? json::value(nullptr) : json::value(w.get(i, 3))},
         {"heartbeatAt", w.get(i, 4)},
         {"heartbeatAgeSeconds", age}});
  }
  auto slot = c.exec(
      "SELECT active, confirmed_flush_lsn::text, wal_status,"
      " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), 0)::bigint,"
      " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint"
      " FROM pg_replication_slots WHERE slot_name = $1",
      {cfg.cdc_slot});
  json::value slot_json = nullptr;
  if (!slot.empty()) {
    s.lag_bytes = slot.get_int(0, 3);
    s.retained_bytes = slot.get_int(0, 4);
    slot_json = json::object{{"name", cfg.cdc_slot},
                             {"active", slot.get_bool(0, 0)},
                             {"confirmedFlushLsn", slot.get(0, 1)},
                             {"walStatus", slot.get(0, 2)},
                             {"lagBytes", s.lag_bytes},
                             {"retainedWalBytes", s.retained_bytes}};
  }
  auto q = c.exec("SELECT pg_notification_queue_usage()");
  s.notify_queue_usage = std::strtod(std::string(q.get(0, 0)).c_str(), nullptr);
  s.healthy = active && !slot.empty();
  // Halted only while no worker is active again (an operator restarted one past the cause).
  s.halted = !active && !halted.is_null();
  s.body = {{"status", s.healthy  ? "ok"
                       : s.halted ? "halted"
                                  : "degraded"},
            {"cdc",
             {{"active", active},
              {"halted", s.halted ? halted : json::value(nullptr)},
              {"workers", std::move(workers)}}},
            {"slot", slot_json},
            {"notifyQueueUsage", s.notify_queue_usage},
            {"notifyQueueAlert", s.notify_queue_usage > 0.10}};
  return s;
}

}  // namespace syncline::cdc
