// The SSE side of GET /organizations/{o}/live?live=sse (DESIGN §6):
//   1. register the subscriber (within the session's and the node's caps), so live events
//      buffer while we catch up; then re-validate it, so a membership removed between the
//      handler's check and the registration is caught now (SEC-040);
//   2. catch up from the cursor in pages (≤ 100 activities, ≤ 4 MiB; reads on the worker pool);
//   3. `event: offset` with the cursor;
//   4. buffered events above the cursor, then live events as the bus offers them;
//   5. every 15 s an `event: offset` when filtered rows moved the scanned position, else a
//      keep-alive comment.
// A subscriber whose queue overflowed catches up from its last sent id again. The coroutine
// owns the socket; frames are shared, immutable strings built once by the bus and written as
// one buffer sequence, never copied per subscriber. Every write has a deadline
// (--stream-write-timeout): a reader that takes no bytes for that long is closed, and the
// frames it held are released (SEC-031).
#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include "common/clock.h"
#include "common/metrics.h"
#include "http/server_state.h"
#include "stream/catch_up.h"
#include "stream/revalidate.h"

namespace syncline::http {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kKeepAlive = std::chrono::seconds(15);
constexpr int kRetryAfterSeconds = 5;
constexpr const char* kHead =
    "HTTP/1.1 200 OK\r\nServer: syncline\r\nContent-Type: text/event-stream\r\n"
    "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n"
    "retry: 2000\n\n";

// Shared frames to write in one go; `events` keeps them alive until the write is done.
struct Batch {
  std::vector<stream::EventPtr> events;
  std::vector<asio::const_buffer> buffers;
  void add(const stream::EventPtr& e) {
    events.push_back(e);
    buffers.emplace_back(asio::buffer(*e->frame));
  }
  bool empty() const { return events.empty(); }
};

// GCC 12 may destroy temporaries inside a co_await expression twice: every argument passed
// to an awaited call in this file is a named local, never a temporary.
//
// Most writes fit in the socket's send buffer: one writev without waiting (the socket is in
// non-blocking mode) sends them, with no deadline timer to arm and cancel and no completion
// to dispatch — per delivered frame, the bulk of the cost at thousands of subscribers. Only
// what the kernel did not take waits, under the deadline.
// write_within's first try never waits (when this fails, every write waits as before).
void set_non_blocking(asio::ip::tcp::socket& sock) {
  boost::system::error_code ec;
  sock.non_blocking(true, ec);
}

template <class Buffers>
awaitable<bool> write_within(boost::beast::tcp_stream& stream, const Buffers& buffers,
                             std::chrono::seconds timeout) {
  boost::system::error_code ec = asio::error::would_block;
  const std::size_t total = asio::buffer_size(buffers);
  std::size_t sent = 0;
  if (stream.socket().non_blocking()) sent = stream.socket().write_some(buffers, ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) co_return false;
  if (sent == total) co_return true;
  std::vector<asio::const_buffer> rest;
  std::size_t skip = ec ? 0 : sent;
  for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
       ++it) {
    asio::const_buffer b = *it;
    const std::size_t drop = std::min(skip, b.size());
    skip -= drop;
    b += drop;
    if (b.size() > 0) rest.push_back(b);
  }
  stream.expires_after(timeout);
  auto [wec, n] = co_await asio::async_write(stream, rest, asio::as_tuple(use_awaitable));
  stream.expires_never();
  if (wec == boost::beast::error::timeout)
    spdlog::info("live: closing a stream that took no bytes for {} s", timeout.count());
  co_return !wec;
}

awaitable<bool> send(boost::beast::tcp_stream& stream, Batch& batch, std::chrono::seconds timeout) {
  co_return co_await write_within(stream, batch.buffers, timeout);
}

awaitable<bool> send(boost::beast::tcp_stream& stream, const std::string& bytes,
                     std::chrono::seconds timeout) {
  auto buffer = asio::buffer(bytes);
  co_return co_await write_within(stream, buffer, timeout);
}

struct PageResult {
  std::optional<stream::Page> page;  // nullopt: database error
};

// Activity written → its frame sent, per live delivery (syncline_stream_activity_to_delivery).
void observe_delivery(const Batch& batch) {
  const std::int64_t now = now_us();
  for (const auto& e : batch.events)
    if (e->created_us > 0)
      metrics().activity_to_delivery.observe(static_cast<double>(now - e->created_us) / 1e6);
}

// Sends every activity above `cursor` that the subscriber may see, page by page; moves the
// cursor to the highest id scanned. False when the client is gone, the stream is being closed
// (permissions, shutdown) or the database failed.
awaitable<bool> catch_up(boost::beast::tcp_stream& stream, Shared& s, stream::Subscriber& sub,
                         std::int64_t& cursor) {
  const std::chrono::seconds timeout(s.cfg.stream_write_timeout_s);
  for (;;) {
    if (sub.closing()) co_return true;  // the loop sends the final frame
    std::int64_t after = cursor;
    std::string org = sub.org_id();
    std::function<PageResult()> read = [&s, org, after]() {
      try {
        auto lease = s.pool.acquire();
        return PageResult{stream::read_page(*lease, org, after)};
      } catch (const std::exception& e) {
        spdlog::warn("live: catch-up read failed: {}", e.what());
        return PageResult{};
      }
    };
    auto result = co_await offload<PageResult>(s.workers, read);
    if (!result.page) {
      std::string frame = stream::error_frame("unavailable");
      co_await send(stream, frame, timeout);
      co_return false;
    }
    count(metrics().stream_catch_up_pages);
    Batch batch;
    for (const auto& e : result.page->events)
      if (auto v = sub.view(e)) batch.add(v);
    cursor = std::max(cursor, result.page->scanned_to);
    if (!batch.empty()) {
      auto n = batch.events.size();
      if (!co_await send(stream, batch, timeout)) co_return false;
      count(metrics().stream_events_delivered, n);
    }
    if (!result.page->full) co_return true;
  }
}

// When the stream must end: a JWT's exp on the steady clock timers use; never for a session.
Clock::time_point stream_deadline(const stream::Subscriber& sub) {
  if (!sub.external()) return Clock::time_point::max();
  auto left =
      std::chrono::seconds(sub.expires_at()) - std::chrono::system_clock::now().time_since_epoch();
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(left);
}

Response refusal(stream::SubscriberManager::Admission a) {
  if (a == stream::SubscriberManager::Admission::kSessionFull)
    return error_response(too_many_requests("TOO_MANY_STREAMS",
                                            "this session has the most live streams allowed open",
                                            kRetryAfterSeconds));
  return error_response(unavailable("SERVER_BUSY", "this node has the most live streams it takes",
                                    kRetryAfterSeconds));
}
}  // namespace

awaitable<std::optional<Response>> run_live_stream(boost::beast::tcp_stream& stream,
                                                   std::shared_ptr<stream::LivePlan> plan,
                                                   Shared& s) {
  stream.expires_never();
  const std::chrono::seconds timeout(s.cfg.stream_write_timeout_s);
  auto& sock = stream.socket();
  set_non_blocking(sock);
  const std::string head = kHead;
  auto ex = co_await asio::this_coro::executor;
  // Wake-ups come from the bus thread: a flag (so none is lost while we are writing) plus a
  // timer cancel posted to our executor (so a wait ends at once).
  struct Waker {
    explicit Waker(asio::any_io_executor e) : timer(e) {}
    asio::steady_timer timer;
    std::atomic<bool> pending{false};
    bool gone = false;  // the client closed its side
  };
  auto waker = std::make_shared<Waker>(ex);
  std::weak_ptr<Waker> weak = waker;
  // Wakes coalesce: while one is pending (the coroutine has not yet reset the flag at the top
  // of its loop, after which it takes the queue whole), another needs no post of its own.
  auto sub = std::make_shared<stream::Subscriber>(plan->info, [weak, ex] {
    if (auto w = weak.lock()) {
      if (w->pending.exchange(true)) return;
      asio::post(ex, [weak] {
        if (auto w2 = weak.lock()) w2->timer.cancel();
      });
    }
  });
  auto admitted = s.subscribers.try_add(sub, s.cfg.max_streams_per_session, s.cfg.max_streams);
  const bool stale = admitted == stream::SubscriberManager::Admission::kStaleEpoch;
  if (!stale && !plan->reset && admitted != stream::SubscriberManager::Admission::kAdmitted)
    co_return refusal(admitted);
  struct Unsubscribe {
    stream::SubscriberManager& m;
    const stream::Subscriber* sub;
    ~Unsubscribe() { m.remove(sub); }
  } unsubscribe{s.subscribers, sub.get()};
  // STREAM-008: the offset predates the sync epoch, or a new epoch began since the handler ran
  // (a truncate, a recreated slot): `event: reset` and close.
  if (plan->reset || stale) {
    std::string bytes = head + stream::reset_frame();
    co_await send(stream, bytes, timeout);
    co_return std::nullopt;
  }

  // Registered: from now on the bus sees every revocation. Check once more what the handler
  // checked before, so nothing revoked in between slips through.
  std::function<bool()> recheck = [&s, sub]() {
    try {
      auto lease = s.pool.acquire();
      stream::revalidate(*lease, {sub});
      return true;
    } catch (const std::exception& e) {
      spdlog::warn("live: re-validation failed: {}", e.what());
      return false;
    }
  };
  if (!co_await offload<bool>(s.workers, recheck))
    co_return error_response(unavailable("DATABASE_UNAVAILABLE", "database unavailable", 2));
  if (sub->closing())
    co_return error_response(forbidden("no longer a member of this organization"));

  // A client that goes away is noticed at once (its side turns readable: EOF), not at the next
  // write up to 15 s later; so subscriber counts and handoffs see the truth. An SSE client
  // sends nothing after its request, so readability means the end.
  sock.async_wait(asio::ip::tcp::socket::wait_read,
                  asio::bind_executor(ex, [weak](boost::system::error_code) {
                    if (auto w = weak.lock()) {
                      w->gone = true;
                      w->timer.cancel();
                    }
                  }));

  std::int64_t cursor = plan->cursor;
  if (!co_await send(stream, head, timeout)) co_return std::nullopt;
  if (!co_await catch_up(stream, s, *sub, cursor)) co_return std::nullopt;
  std::string first_offset = stream::offset_frame(cursor);
  if (!co_await send(stream, first_offset, timeout)) co_return std::nullopt;

  auto keep_alive_at = Clock::now() + kKeepAlive;
  // JWT-006: a stream opened with a token ends when the token does; the client reconnects with
  // a fresh one (from Last-Event-ID, so nothing is lost). The steady clock is the one timers use.
  const auto expires_at = stream_deadline(*sub);
  for (;;) {
    if (waker->gone) co_return std::nullopt;
    if (Clock::now() >= expires_at) sub->close_with(stream::error_frame("token_expired"));
    waker->pending = false;
    auto taken = sub->take();
    if (taken.final_frame) {
      co_await send(stream, *taken.final_frame, timeout);
      co_return std::nullopt;
    }
    Batch batch;
    for (const auto& e : taken.events)
      if (e->id > cursor) {  // buffered during catch-up, or replayed by the bus after a gap
        batch.add(e);
        cursor = e->id;
      }
    taken.events.clear();  // the batch holds what it sends; release the rest now
    if (!batch.empty()) {
      auto n = batch.events.size();
      if (!co_await send(stream, batch, timeout)) co_return std::nullopt;
      count(metrics().stream_events_delivered, n);
      observe_delivery(batch);
      keep_alive_at = Clock::now() + kKeepAlive;
    }
    if (taken.overflowed) {  // the queue was dropped: read what we missed from the log
      if (!co_await catch_up(stream, s, *sub, cursor)) co_return std::nullopt;
      continue;
    }
    if (Clock::now() >= keep_alive_at) {
      // `taken` was read atomically with `scanned`: nothing below it is still queued.
      std::string frame = taken.scanned > cursor ? stream::offset_frame(taken.scanned)
                                                 : std::string(stream::kKeepAliveFrame);
      cursor = std::max(cursor, taken.scanned);
      if (!co_await send(stream, frame, timeout)) co_return std::nullopt;
      keep_alive_at = Clock::now() + kKeepAlive;
      continue;
    }
    if (waker->pending) continue;
    waker->timer.expires_at(std::min(keep_alive_at, expires_at));
    co_await waker->timer.async_wait(asio::as_tuple(use_awaitable));
  }
}

}  // namespace syncline::http
