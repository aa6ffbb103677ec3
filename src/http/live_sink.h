// LiveSink: one SSE stream from the moment its request is answered until it closes (DESIGN §6).
// The connection's coroutine hands the socket over and ends, so an idle stream holds only this
// object, its subscriber and its socket — no coroutine frame, parser or buffer (memory per idle
// stream, DESIGN §17).
//
// All of it runs on the socket's loop thread except notify(). States:
//   setup — a coroutine sends the head, catches up from the cursor and sends `event: offset`;
//   idle  — nothing waits but a keep-alive timer and a readability wait (a client that goes
//           away is noticed at once); a wake from the bus queues the sink on its LiveWriter,
//           whose pass writes the taken frames with one non-blocking writev;
//   busy  — the kernel took part of a write, or the queue overflowed (catch up from the log),
//           or a final frame is due: a coroutine finishes it under the write deadline
//           (--stream-write-timeout, SEC-031), then the sink is idle again;
//   closed.
// Wakes are never lost: `pending_` is cleared before each take of the queue, and a coroutine
// returning to idle takes whatever came while it was busy.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/server_state.h"
#include "stream/subscriber.h"

namespace syncline::http {

class LiveWriter;

class LiveSink : public std::enable_shared_from_this<LiveSink> {
 public:
  using Clock = std::chrono::steady_clock;
  struct Pass {  // one writer pass: the time its frames left
    Pass();
    Clock::time_point now;
    std::int64_t now_us;
  };

  LiveSink(Shared& s, LiveWriter& writer);
  ~LiveSink();
  LiveSink(const LiveSink&) = delete;
  LiveSink& operator=(const LiveSink&) = delete;

  // Any thread: the subscriber has something to take.
  void notify();
  // The subscriber is registered with the manager: removed when the sink ends.
  void attach(std::shared_ptr<stream::Subscriber> sub);
  // The connection's coroutine hands its socket over (it must not touch it afterwards) and
  // the stream begins: head, catch-up from `cursor`, offset, then live until `expires_at`
  // (a JWT's exp; max for a session). `head`: the answer's head and first frame (sse_head).
  void start(boost::beast::tcp_stream stream, std::int64_t cursor, Clock::time_point expires_at,
             std::string head);

  // The writer's pass (loop thread): takes and writes what is queued when idle. Frames the
  // kernel took whole, for the delivered-events counter.
  std::size_t on_ready(const Pass& pass);

 private:
  enum class State : std::uint8_t { kSetup, kIdle, kBusy, kClosed };

  boost::asio::awaitable<void> run_setup(std::shared_ptr<LiveSink> self);
  boost::asio::awaitable<void> run_busy(std::shared_ptr<LiveSink> self);
  boost::asio::awaitable<bool> flush();
  boost::asio::awaitable<bool> catch_up();
  void go_busy();
  void go_idle();
  void arm_timer();
  void on_timer();
  void close();
  // Sends out_ (from sent_) and tail_ without waiting; true when the kernel took it all.
  bool try_send();
  std::size_t pending_bytes() const;

  Shared& s_;
  LiveWriter& writer_;
  stream::SubscriberManager& subscribers_;
  std::atomic<bool> pending_{false};
  State state_ = State::kSetup;
  bool registered_ = false;
  bool adopted_ = false;         // counts as an open connection (the node's cap)
  bool overflowed_ = false;      // catch up from the log after out_
  bool final_ = false;           // tail_ is the last frame: close after it
  bool keep_alive_due_ = false;  // 15 s without a write
  std::shared_ptr<stream::Subscriber> sub_;
  std::optional<boost::beast::tcp_stream> stream_;
  std::optional<boost::asio::steady_timer> timer_;
  std::int64_t cursor_ = 0;
  Clock::time_point last_write_{}, expires_at_ = Clock::time_point::max();
  // A write the kernel did not take whole (busy): the frames, the frame after them, the
  // bytes already sent. Empty when idle.
  std::vector<stream::EventPtr> out_;
  std::string tail_;
  std::string head_;  // until run_setup sends it
  std::size_t sent_ = 0;
  std::size_t out_events_ = 0;  // delivered once out_ is sent
};

}  // namespace syncline::http
