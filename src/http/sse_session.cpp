// The SSE side of GET /organizations/{o}/live?live=sse (DESIGN §6):
//   1. subscribe first, so live events buffer while we catch up;
//   2. catch up from the cursor in pages of 100 (database reads on the worker pool);
//   3. `event: offset` with the cursor;
//   4. buffered events above the cursor, then live events as the bus offers them;
//   5. every 15 s an `event: offset` when filtered rows moved the scanned position, else a
//      keep-alive comment.
// A subscriber whose queue overflowed catches up from its last sent id again. The
// coroutine owns the socket; frames are shared, immutable strings built once by the bus.
#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include "common/metrics.h"
#include "http/server_state.h"
#include "stream/catch_up.h"

namespace syncline::http {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kKeepAlive = std::chrono::seconds(15);
constexpr const char* kHead =
    "HTTP/1.1 200 OK\r\nServer: syncline\r\nContent-Type: text/event-stream\r\n"
    "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n"
    "retry: 2000\n\n";

// GCC 12 may destroy temporaries inside a co_await expression twice: every argument passed
// to an awaited call in this file is a named local, never a temporary.
awaitable<bool> send(asio::ip::tcp::socket& sock, const std::string& bytes) {
  auto [ec, n] =
      co_await asio::async_write(sock, asio::buffer(bytes), asio::as_tuple(use_awaitable));
  co_return !ec;
}

struct PageResult {
  std::optional<stream::Page> page;  // nullopt: database error
};

// Sends every activity above `cursor` that the subscriber may see, page by page; moves the
// cursor to the highest id scanned. False when the client is gone or the database failed.
awaitable<bool> catch_up(asio::ip::tcp::socket& sock, Shared& s, stream::Subscriber& sub,
                         std::int64_t& cursor) {
  for (;;) {
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
      co_await send(sock, frame);
      co_return false;
    }
    count(metrics().stream_catch_up_pages);
    std::string out;
    std::uint64_t n = 0;
    for (const auto& e : result.page->events)
      if (sub.wants(*e)) {
        out += *e->frame;
        ++n;
      }
    cursor = std::max(cursor, result.page->scanned_to);
    if (!out.empty()) {
      if (!co_await send(sock, out)) co_return false;
      count(metrics().stream_events_delivered, n);
    }
    if (!result.page->full) co_return true;
  }
}
}  // namespace

awaitable<void> run_live_stream(boost::beast::tcp_stream& stream,
                                std::shared_ptr<stream::LivePlan> plan, Shared& s) {
  stream.expires_never();
  auto& sock = stream.socket();
  const std::string head = kHead;
  if (plan->reset) {
    std::string bytes = head + stream::reset_frame();
    co_await send(sock, bytes);
    co_return;
  }
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
  auto sub = std::make_shared<stream::Subscriber>(plan->info, [weak, ex] {
    if (auto w = weak.lock()) {
      w->pending = true;
      asio::post(ex, [weak] {
        if (auto w2 = weak.lock()) w2->timer.cancel();
      });
    }
  });
  s.subscribers.add(sub);
  struct Unsubscribe {
    stream::SubscriberManager& m;
    const stream::Subscriber* sub;
    ~Unsubscribe() { m.remove(sub); }
  } unsubscribe{s.subscribers, sub.get()};

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
  if (!co_await send(sock, head)) co_return;
  if (!co_await catch_up(sock, s, *sub, cursor)) co_return;
  std::string first_offset = stream::offset_frame(cursor);
  if (!co_await send(sock, first_offset)) co_return;

  auto keep_alive_at = Clock::now() + kKeepAlive;
  for (;;) {
    if (waker->gone) co_return;
    waker->pending = false;
    auto taken = sub->take();
    if (taken.final_frame) {
      co_await send(sock, *taken.final_frame);
      co_return;
    }
    std::string out;
    std::uint64_t n = 0;
    for (const auto& e : taken.events)
      if (e->id > cursor) {  // buffered during catch-up, or replayed by the bus after a gap
        out += *e->frame;
        cursor = e->id;
        ++n;
      }
    if (!out.empty()) {
      if (!co_await send(sock, out)) co_return;
      count(metrics().stream_events_delivered, n);
      keep_alive_at = Clock::now() + kKeepAlive;
    }
    if (taken.overflowed) {  // the queue was dropped: read what we missed from the log
      if (!co_await catch_up(sock, s, *sub, cursor)) co_return;
      continue;
    }
    if (Clock::now() >= keep_alive_at) {
      // `taken` was read atomically with `scanned`: nothing below it is still queued.
      std::string frame = taken.scanned > cursor ? stream::offset_frame(taken.scanned)
                                                 : std::string(stream::kKeepAliveFrame);
      cursor = std::max(cursor, taken.scanned);
      if (!co_await send(sock, frame)) co_return;
      keep_alive_at = Clock::now() + kKeepAlive;
      continue;
    }
    if (waker->pending) continue;
    waker->timer.expires_at(keep_alive_at);
    co_await waker->timer.async_wait(asio::as_tuple(use_awaitable));
  }
}

}  // namespace syncline::http
