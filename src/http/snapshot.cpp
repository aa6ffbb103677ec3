#include "http/snapshot.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <cstdio>
#include <utility>

#include "common/metrics.h"
#include "http/server_state.h"

namespace syncline::http {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

SnapshotGate::Admission SnapshotGate::try_admit(const std::string& session, std::size_t per_node) {
  MutexLock lock(mu_);
  if (sessions_.count(session)) return Admission::kSessionBusy;
  if (open_ >= per_node) return Admission::kNodeFull;
  ++open_;
  sessions_.insert(session);
  return Admission::kAdmitted;
}

void SnapshotGate::release(const std::string& session) {
  MutexLock lock(mu_);
  --open_;
  sessions_.erase(session);
}

namespace {
// A refused snapshot is cheap to ask again, and a slot frees within seconds: after a bulk
// change every subscriber asks at once, and a longer pause only left the node idle (bench-bulk,
// 10 clients: 17.6 s with 5 s, 11.6–12.9 s with 1 s).
constexpr int kRetryAfterSeconds = 1;

// What the reader and the connection's coroutine share: the reader lives here, so a batch
// still being read when the connection ends finishes on its worker and is dropped.
struct Job {
  explicit Job(const asio::any_io_executor& ex) : loop(ex), wake(ex) {}
  asio::any_io_executor loop;
  asio::steady_timer wake;  // cancelled when a batch is ready
  std::unique_ptr<stream::SnapshotReader> reader;
  std::string batch;  // written by the worker, taken by the coroutine
  bool more = true;   // the reader has lines after `batch`
  bool failed = false;
  bool ready = false;  // on the loop only
};

// Reads the next batch (opening the reader first) on a snapshot worker; marks it ready on the
// connection's loop.
void read_ahead(asio::thread_pool& workers, std::shared_ptr<Job> job,
                const std::string& database_url, const stream::SnapshotPlan& plan,
                int max_seconds) {
  job->ready = false;
  asio::post(workers, [job, database_url, request = plan.request, max_seconds]() mutable {
    try {
      if (!job->reader)
        job->reader =
            std::make_unique<stream::SnapshotReader>(database_url, std::move(request), max_seconds);
      job->more = job->reader->next(job->batch);
    } catch (const std::exception& e) {
      spdlog::warn("snapshot: {}", e.what());
      count(Degraded::kSnapshotFailed);
      job->failed = true;
    }
    asio::post(job->loop, [job] {
      job->ready = true;
      job->wake.cancel();
    });
  });
}

awaitable<void> until_ready(Job& job) {
  while (!job.ready) {
    job.wake.expires_at(Clock::time_point::max());
    co_await job.wake.async_wait(asio::as_tuple(use_awaitable));
  }
}

// Writes `pieces` whole; false when the reader took no byte for `idle` (SEC-031), the
// snapshot's time is up, or the connection failed.
awaitable<bool> write_all(boost::beast::tcp_stream& stream,
                          const std::array<asio::const_buffer, 4>& pieces, Clock::duration idle,
                          Clock::time_point deadline) {
  boost::beast::buffers_suffix<std::array<asio::const_buffer, 4>> rest(pieces);
  while (boost::beast::buffer_bytes(rest) > 0) {
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) co_return false;
    stream.expires_after(std::min(idle, left));
    auto [ec, n] = co_await stream.async_write_some(rest, asio::as_tuple(use_awaitable));
    if (ec) co_return false;
    rest.consume(n);
  }
  stream.expires_never();
  co_return true;
}

std::string chunk_head(std::size_t n) {
  char head[32];
  std::snprintf(head, sizeof head, "%zx\r\n", n);
  return head;
}

// The node's and the holder's slots, released however the snapshot ends.
struct Slots {
  Shared& s;
  stream::StreamHolder holder;
  bool gate = false, stream = false;
  ~Slots() { release(); }
  void release() {
    if (std::exchange(stream, false)) s.subscribers.release(holder);
    if (std::exchange(gate, false)) s.snapshots.release(holder.session);
  }
};

std::optional<Error> admit(Slots& slots) {
  auto& s = slots.s;
  switch (s.snapshots.try_admit(slots.holder.session, s.cfg.max_snapshots)) {
    case SnapshotGate::Admission::kNodeFull:
      return unavailable("SERVER_BUSY", "this node streams the most snapshots it takes",
                         kRetryAfterSeconds);
    case SnapshotGate::Admission::kSessionBusy:
      return too_many_requests("TOO_MANY_SNAPSHOTS", "this session is reading a snapshot already",
                               kRetryAfterSeconds);
    case SnapshotGate::Admission::kAdmitted:
      slots.gate = true;
  }
  const auto held = s.subscribers.try_hold(slots.holder, stream_caps(s.cfg));
  if (held != stream::SubscriberManager::Admission::kAdmitted) return stream_refusal(held);
  slots.stream = true;
  return std::nullopt;
}
}  // namespace

awaitable<std::optional<Response>> run_snapshot(boost::beast::tcp_stream& stream,
                                                std::shared_ptr<stream::SnapshotPlan> plan,
                                                Shared& s, unsigned version,
                                                std::string extra_head) {
  Slots slots{s, plan->holder};
  if (auto refused = admit(slots)) co_return error_response(*refused);
  ++metrics().snapshots_open;
  struct Open {
    ~Open() { --metrics().snapshots_open; }
  } open;
  const Clock::duration write_timeout = std::chrono::seconds(s.cfg.stream_write_timeout_s);
  const auto deadline = Clock::now() + std::chrono::seconds(s.cfg.snapshot_max_seconds);
  auto job = std::make_shared<Job>(stream.get_executor());
  read_ahead(s.snapshot_workers, job, s.cfg.database_url, *plan, s.cfg.snapshot_max_seconds);
  co_await until_ready(*job);
  if (job->failed)
    co_return error_response(unavailable("DATABASE_UNAVAILABLE", "database unavailable", 2));
  // HTTP/1.0 has no chunks: the end of the connection ends the answer there.
  const bool chunked = version >= 11;
  std::string head =
      "HTTP/1.1 200 OK\r\nServer: syncline\r\nContent-Type: application/x-ndjson\r\n"
      "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n" +
      extra_head;
  head += chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "\r\n";
  bool complete = false;
  for (;;) {
    std::string batch = std::move(job->batch);
    job->batch.clear();
    const bool more = job->more;
    if (more)
      read_ahead(s.snapshot_workers, job, s.cfg.database_url, *plan, s.cfg.snapshot_max_seconds);
    const std::string framing = chunked && !batch.empty() ? chunk_head(batch.size()) : "";
    std::string tail = chunked && !batch.empty() ? "\r\n" : "";
    if (!more && chunked) tail += "0\r\n\r\n";
    const std::array<asio::const_buffer, 4> pieces{asio::buffer(head), asio::buffer(framing),
                                                   asio::buffer(batch), asio::buffer(tail)};
    // The read is over: free the slots before the last bytes go, so a reader that asks again
    // the moment it has them is not refused for its own finished snapshot.
    if (!more) slots.release();
    if (s.stopping || !co_await write_all(stream, pieces, write_timeout, deadline)) break;
    head.clear();
    if (!more) {
      complete = true;
      break;
    }
    co_await until_ready(*job);
    if (job->failed) break;
  }
  if (complete)  // no read is in flight: the reader is the coroutine's alone now
    count(metrics().snapshot_rows, static_cast<std::uint64_t>(job->reader->rows()));
  else
    count(metrics().snapshots_cut);
  co_return std::nullopt;
}

}  // namespace syncline::http
