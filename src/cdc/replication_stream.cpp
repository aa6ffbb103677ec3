#include "cdc/replication_stream.h"

#include <libpq-fe.h>
#include <poll.h>

#include "db/connection.h"

namespace syncline::cdc {

namespace {
db::DbError error(pg_conn* c, const std::string& what) {
  std::string msg = PQerrorMessage(c);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  return db::DbError(what + ": " + msg, "08006");
}

std::int64_t now_pg_us() {
  using namespace std::chrono;
  return to_pg_epoch_us(
      duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}
}  // namespace

ReplicationStream::ReplicationStream(const std::string& url, int decoding_work_mem_kb) {
  const std::string options = "-c timezone=UTC -c datestyle=ISO -c extra_float_digits=1" +
                              std::string(" -c logical_decoding_work_mem=") +
                              std::to_string(decoding_work_mem_kb) + "kB";
  const char* keys[] = {"dbname", "replication", "options", "application_name", nullptr};
  const char* values[] = {url.c_str(), "database", options.c_str(), "syncline:cdc", nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    auto e = error(conn_, "replication connection");
    PQfinish(conn_);
    throw e;
  }
}

ReplicationStream::~ReplicationStream() {
  PQfinish(conn_);
}

void ReplicationStream::start(const std::string& slot,
                              const std::vector<std::string>& publications) {
  std::string pubs;
  for (const auto& p : publications) pubs += (pubs.empty() ? "" : ",") + p;
  char* slot_ident = PQescapeIdentifier(conn_, slot.c_str(), slot.size());
  char* pubs_lit = PQescapeLiteral(conn_, pubs.c_str(), pubs.size());
  std::string cmd = std::string("START_REPLICATION SLOT ") + slot_ident +
                    " LOGICAL 0/0 (proto_version '2', streaming 'on', publication_names " +
                    pubs_lit + ")";
  PQfreemem(slot_ident);
  PQfreemem(pubs_lit);
  PGresult* r = PQexec(conn_, cmd.c_str());
  auto st = PQresultStatus(r);
  std::string msg = PQresultErrorMessage(r);
  PQclear(r);
  if (st != PGRES_COPY_BOTH) {
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw db::DbError("START_REPLICATION: " + msg, "55006");
  }
}

std::optional<std::string> ReplicationStream::read(std::chrono::milliseconds timeout) {
  for (int round = 0; round < 2; ++round) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn_, &buf, /*async=*/1);
    if (n > 0) {
      std::string frame(buf, static_cast<std::size_t>(n));
      PQfreemem(buf);
      return frame;
    }
    if (n == -1) {
      PGresult* r = PQgetResult(conn_);
      std::string msg = r ? PQresultErrorMessage(r) : "";
      PQclear(r);
      throw db::DbError("replication stream ended: " + msg, "08006");
    }
    if (n == -2) throw error(conn_, "replication read");
    if (round == 1) break;
    pollfd p{PQsocket(conn_), POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready < 0) throw db::DbError("poll failed on the replication socket", "08006");
    if (ready == 0) return std::nullopt;
    if (PQconsumeInput(conn_) == 0) throw error(conn_, "replication read");
  }
  return std::nullopt;
}

void ReplicationStream::send_status(Lsn flushed, bool reply_requested) {
  auto msg = encode_status_update(flushed, flushed, flushed, now_pg_us(), reply_requested);
  if (PQputCopyData(conn_, msg.data(), static_cast<int>(msg.size())) != 1 || PQflush(conn_) != 0)
    throw error(conn_, "standby status update");
}

}  // namespace syncline::cdc
