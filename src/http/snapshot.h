// Streaming a snapshot (DESIGN §18, DATA-SCALE-002) on a connection the route handed over:
// admission, then the reader's batches as one chunked `application/x-ndjson` answer.
//   - Admission (SEC-034): at most --max-snapshots per node (503 SERVER_BUSY), one per session
//     (429 TOO_MANY_SNAPSHOTS), and the snapshot counts against the session's stream cap
//     (429 TOO_MANY_STREAMS); each with Retry-After.
//   - The reader runs on the snapshot workers (one thread per admitted snapshot, its own
//     database connection, never the request pool), one batch ahead of the socket: while a
//     batch is written the next is read.
//   - A write that the reader does not take within --stream-write-timeout, the
//     --snapshot-max-seconds limit, shutdown or a database error ends the answer without its
//     last chunk: the client sees a cut answer (no last line) and starts over.
// Only the connection's loop touches the socket; the event loop never blocks on Postgres.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/mutex.h"
#include "http/message.h"
#include "stream/snapshot.h"

namespace syncline::http {

struct Shared;

// The node's snapshots: how many run and which sessions hold one. Any thread.
class SnapshotGate {
 public:
  enum class Admission { kAdmitted, kNodeFull, kSessionBusy };
  Admission try_admit(const std::string& session, std::size_t per_node);
  void release(const std::string& session);

 private:
  Mutex mu_;
  std::size_t open_ SYNCLINE_GUARDED_BY(mu_) = 0;
  std::set<std::string> sessions_ SYNCLINE_GUARDED_BY(mu_);
};

// Streams `plan` on `stream` (request HTTP `version`) and returns once the answer ended, however;
// or, before anything was written, the refusal to answer instead (caps: 429/503; database: 503).
// Never throws.
boost::asio::awaitable<std::optional<Response>> run_snapshot(
    boost::beast::tcp_stream& stream, std::shared_ptr<stream::SnapshotPlan> plan, Shared& s,
    unsigned version, std::string extra_head);

}  // namespace syncline::http
