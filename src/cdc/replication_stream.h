// ReplicationStream: one walsender connection (`replication=database`) streaming a logical
// slot with pgoutput proto_version 2 (streaming on). Blocking libpq with poll() timeouts; used only
// by the CDC worker's own thread. Values arrive in text format produced in the walsender session,
// which runs with TimeZone=UTC and DateStyle=ISO so timestamps parse one way.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cdc/pgoutput.h"

struct pg_conn;

namespace syncline::cdc {

class ReplicationStream {
 public:
  // Throws db::DbError when the server cannot be reached or refuses replication.
  // decoding_work_mem_kb: logical_decoding_work_mem of this walsender.
  ReplicationStream(const std::string& url, int decoding_work_mem_kb);
  ~ReplicationStream();
  ReplicationStream(const ReplicationStream&) = delete;
  ReplicationStream& operator=(const ReplicationStream&) = delete;

  // START_REPLICATION from the slot's confirmed position. Throws db::DbError (e.g. the slot
  // is still active for a dead worker's walsender).
  void start(const std::string& slot, const std::vector<std::string>& publications);
  // The next CopyData frame, or nullopt when none arrived within `timeout`. Throws
  // db::DbError when the stream ends or the connection fails.
  std::optional<std::string> read(std::chrono::milliseconds timeout);
  // Standby status update: everything up to `flushed` is durably processed.
  void send_status(Lsn flushed, bool reply_requested = false);

 private:
  pg_conn* conn_;
};

}  // namespace syncline::cdc
