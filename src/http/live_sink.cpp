#include "http/live_sink.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio.hpp>
#include <cerrno>

#include "common/clock.h"
#include "common/metrics.h"
#include "http/live_writer.h"
#include "stream/catch_up.h"

namespace syncline::http {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {
constexpr auto kKeepAlive = std::chrono::seconds(15);

struct PageResult {
  std::optional<stream::LogRead> page;  // nullopt: database error
};

// Activity written → its frame sent, per live delivery (syncline_stream_activity_to_delivery).
void observe_delivery(const std::vector<stream::EventPtr>& events, std::int64_t now_us) {
  for (const auto& e : events)
    if (e->created_us > 0)
      metrics().activity_to_delivery.observe(static_cast<double>(now_us - e->created_us) / 1e6);
}

// The unsent rest of `frames` then `tail`, `skip` bytes in, as buffers for one write.
template <class Add>
void for_each_rest(const std::vector<stream::EventPtr>& frames, const std::string& tail,
                   std::size_t skip, Add add) {
  auto piece = [&](const std::string& bytes) {
    if (skip >= bytes.size()) {
      skip -= bytes.size();
      return;
    }
    add(bytes.data() + skip, bytes.size() - skip);
    skip = 0;
  };
  for (const auto& e : frames) piece(*e->frame);
  if (!tail.empty()) piece(tail);
}

void log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("live: stream ended by exception: {}", ex.what());
  }
}
}  // namespace

LiveSink::Pass::Pass() : now(Clock::now()), now_us(syncline::now_us()) {}

LiveSink::LiveSink(Shared& s, LiveWriter& writer)
    : s_(s), writer_(writer), subscribers_(s.subscribers) {}

LiveSink::~LiveSink() {
  if (registered_) subscribers_.remove(sub_.get());
  if (adopted_) --metrics().http_connections;
}

void LiveSink::notify() {
  if (pending_.exchange(true)) return;  // a pass will take the queue whole
  writer_.ready(shared_from_this());
}

void LiveSink::attach(std::shared_ptr<stream::Subscriber> sub) {
  sub_ = std::move(sub);
  registered_ = true;
}

void LiveSink::start(boost::beast::tcp_stream stream, std::int64_t cursor,
                     Clock::time_point expires_at, std::string head) {
  stream_.emplace(std::move(stream));
  head_ = std::move(head);
  ++metrics().http_connections;  // the connection's coroutine stops counting it when it ends
  adopted_ = true;
  cursor_ = cursor;
  expires_at_ = expires_at;
  auto ex = stream_->get_executor();
  timer_.emplace(ex);
  // A client that goes away is noticed at once (its side turns readable: EOF), not at the
  // next write up to 15 s later; so subscriber counts and handoffs see the truth. An SSE
  // client sends nothing after its request, so readability means the end.
  std::weak_ptr<LiveSink> weak = shared_from_this();
  // This wait is what keeps an idle sink alive: it ends (and lets go) when the socket closes.
  stream_->socket().async_wait(
      asio::ip::tcp::socket::wait_read,
      [self = shared_from_this()](boost::system::error_code) { self->close(); });
  asio::co_spawn(ex, run_setup(shared_from_this()), [weak](std::exception_ptr e) {
    log_exception(e);
    if (auto self = weak.lock(); self && e) self->close();
  });
}

std::size_t LiveSink::on_ready(const Pass& pass) {
  if (state_ != State::kIdle) return 0;  // setup/busy take the queue before going idle
  pending_.store(false);                 // before the take: a later offer wakes us again
  auto taken = sub_->take();
  if (taken.final_frame) {
    final_ = true;
    tail_ = std::move(*taken.final_frame);
  } else {
    for (auto& e : taken.events)
      if (e->id > cursor_) {  // buffered during catch-up, or replayed by the bus after a gap
        cursor_ = e->id;
        out_.push_back(std::move(e));
      }
    overflowed_ = taken.overflowed;
    if (keep_alive_due_ && !overflowed_) {
      // `taken` was read atomically with `scanned`: nothing below it is still queued.
      tail_ = taken.scanned > cursor_ ? stream::offset_frame(taken.scanned)
                                      : std::string(stream::kKeepAliveFrame);
      cursor_ = std::max(cursor_, taken.scanned);
      keep_alive_due_ = false;
    }
    for (const auto& frame : taken.presence) tail_ += *frame;  // DESIGN §21: no id, after events
  }
  out_events_ = out_.size();
  sent_ = 0;
  if (out_.empty() && tail_.empty()) {
    if (overflowed_) go_busy();
    return 0;
  }
  if (!try_send()) {
    if (state_ != State::kClosed) go_busy();  // the rest waits under the deadline
    return 0;
  }
  const std::size_t delivered = out_events_;
  observe_delivery(out_, pass.now_us);
  last_write_ = pass.now;
  std::vector<stream::EventPtr>().swap(out_);
  std::string().swap(tail_);
  out_events_ = 0;
  if (final_)
    close();
  else if (overflowed_)
    go_busy();
  return delivered;
}

std::size_t LiveSink::pending_bytes() const {
  std::size_t total = tail_.size();
  for (const auto& e : out_) total += e->frame->size();
  return total - sent_;
}

bool LiveSink::try_send() {
  // The frames are shared by every stream: the iovecs point into them, nothing is copied.
  thread_local std::vector<iovec> iov;
  iov.clear();
  for_each_rest(out_, tail_, sent_, [](const char* p, std::size_t n) {
    iov.push_back(iovec{const_cast<char*>(p), n});
  });
  std::size_t total = 0;
  for (const auto& v : iov) total += v.iov_len;
  if (total == 0) return true;
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = std::min<std::size_t>(iov.size(), IOV_MAX);
  const ssize_t n = ::sendmsg(stream_->socket().native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) close();
    return false;
  }
  sent_ += static_cast<std::size_t>(n);
  return static_cast<std::size_t>(n) == total;
}

void LiveSink::go_busy() {
  state_ = State::kBusy;
  std::weak_ptr<LiveSink> weak = shared_from_this();
  asio::co_spawn(stream_->get_executor(), run_busy(shared_from_this()),
                 [weak](std::exception_ptr e) {
                   log_exception(e);
                   if (auto self = weak.lock(); self && e) self->close();
                 });
}

void LiveSink::go_idle() {
  if (state_ == State::kClosed) return;
  state_ = State::kIdle;
  if (!pending_.load() && !keep_alive_due_) return;
  const Pass pass;
  if (auto n = on_ready(pass)) count(metrics().stream_events_delivered, n);
}

// `keep` holds the sink alive while the coroutine runs.
awaitable<void> LiveSink::run_setup(std::shared_ptr<LiveSink> /*keep*/) {
  tail_ = std::move(head_);
  bool ok = co_await flush();
  if (ok) ok = co_await catch_up();
  if (ok) {
    tail_ = stream::offset_frame(cursor_);
    ok = co_await flush();
  }
  if (!ok) {
    close();
    co_return;
  }
  last_write_ = Clock::now();
  arm_timer();
  go_idle();
}

awaitable<void> LiveSink::run_busy(std::shared_ptr<LiveSink> /*keep*/) {
  bool ok = co_await flush();
  ok = ok && !final_;
  while (ok && overflowed_) {  // the queue was dropped: read what we missed from the log
    overflowed_ = false;
    ok = co_await catch_up();
  }
  if (ok)
    go_idle();
  else
    close();  // gone, timed out, failed, or its final frame is sent
}

// Sends the rest of out_ and tail_: at once when the kernel takes it, else waiting under the
// write deadline. False when the stream is closed or closes now.
awaitable<bool> LiveSink::flush() {
  if (state_ == State::kClosed) co_return false;
  if (pending_bytes() == 0) co_return true;
  if (!try_send()) {
    if (state_ == State::kClosed) co_return false;
    std::vector<asio::const_buffer> rest;
    for_each_rest(out_, tail_, sent_,
                  [&rest](const char* p, std::size_t n) { rest.emplace_back(p, n); });
    const std::chrono::seconds timeout(s_.cfg.stream_write_timeout_s);
    stream_->expires_after(timeout);
    auto [ec, n] = co_await asio::async_write(*stream_, rest, asio::as_tuple(use_awaitable));
    if (state_ == State::kClosed) co_return false;
    stream_->expires_never();
    if (ec) {
      if (ec == boost::beast::error::timeout)
        spdlog::info("live: closing a stream that took no bytes for {} s", timeout.count());
      close();
      co_return false;
    }
  }
  if (out_events_) {
    count(metrics().stream_events_delivered, out_events_);
    observe_delivery(out_, now_us());
  }
  last_write_ = Clock::now();
  std::vector<stream::EventPtr>().swap(out_);
  std::string().swap(tail_);
  out_events_ = sent_ = 0;
  co_return true;
}

// Sends every activity above the cursor that the subscriber may see, page by page (≤ 100
// activities, ≤ 4 MiB; reads on the worker pool); moves the cursor to the highest id scanned.
// False when the stream closed or the database failed (the client is told, then closed).
awaitable<bool> LiveSink::catch_up() {
  for (;;) {
    if (sub_->closing()) co_return true;  // the final frame is taken once idle
    std::int64_t after = cursor_;
    std::string org = sub_->org_id();
    Shared& s = s_;
    const stream::Subscriber* reader = sub_.get();
    std::function<PageResult()> read = [&s, org, after, reader]() {
      try {
        auto lease = s.pool.acquire();
        return PageResult{stream::read_log(*lease, org, after, reader)};
      } catch (const std::exception& e) {
        spdlog::warn("live: catch-up read failed: {}", e.what());
        count(Degraded::kCatchUpFailed);
        return PageResult{};
      }
    };
    auto result = co_await offload<PageResult>(s_.workers, read);
    if (state_ == State::kClosed) co_return false;
    // Its position is gone (pruned, or a bulk change it cannot take): reset (DESIGN §18).
    if (!result.page || result.page->reset) {
      tail_ = result.page ? stream::reset_frame() : stream::error_frame("unavailable");
      co_await flush();
      co_return false;
    }
    count(metrics().stream_catch_up_pages);
    for (auto& e : result.page->events) out_.push_back(std::move(e));
    cursor_ = std::max(cursor_, result.page->cursor);
    if (!out_.empty()) {
      auto n = out_.size();
      out_events_ = 0;  // counted here: catch-up is not a live delivery
      if (!co_await flush()) co_return false;
      count(metrics().stream_events_delivered, n);
    }
    if (!result.page->more) co_return true;
  }
}

void LiveSink::arm_timer() {
  if (state_ == State::kClosed) return;
  const auto now = Clock::now();
  auto next = last_write_ + kKeepAlive;
  if (next <= now) next = now + kKeepAlive;  // a keep-alive already due waits for the busy write
  next = std::min(next, expires_at_);        // an expiry fires, even one already past
  timer_->expires_at(next);
  std::weak_ptr<LiveSink> weak = shared_from_this();
  timer_->async_wait([weak](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec) self->on_timer();
  });
}

void LiveSink::on_timer() {
  if (state_ == State::kClosed) return;
  const auto now = Clock::now();
  if (now >= expires_at_) {
    // JWT-006: a stream opened with a token ends when the token does; the client reconnects
    // with a fresh one (from Last-Event-ID, so nothing is lost).
    expires_at_ = Clock::time_point::max();
    sub_->close_with(stream::error_frame("token_expired"));
  } else if (now >= last_write_ + kKeepAlive) {
    keep_alive_due_ = true;
    if (state_ == State::kIdle) go_idle();
  }
  arm_timer();
}

void LiveSink::close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  boost::system::error_code ignored;
  if (timer_) timer_->cancel();
  if (stream_) {
    stream_->socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    stream_->socket().close(ignored);
  }
  std::vector<stream::EventPtr>().swap(out_);  // the frames it held are released (SEC-031)
  std::string().swap(tail_);
  if (registered_) {
    subscribers_.remove(sub_.get());
    registered_ = false;
  }
}

}  // namespace syncline::http
