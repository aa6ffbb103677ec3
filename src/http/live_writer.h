// LiveWriter: one per event-loop thread (its io_context). The bus offers an event to thousands
// of streams; each stream that has something to send is queued here (any thread), and one
// handler on the loop's thread writes every queued stream in a single pass — a non-blocking
// writev of the shared frames straight to its socket — instead of waking one coroutine per
// stream (a post, a timer cancel, a resume and a re-arm per delivered frame). Only a stream
// whose socket took less than all (or that must catch up or close) goes on to a coroutine,
// which waits under the write deadline (http/live_sink.h). A pass writes at most kChunk
// streams, then queues its rest behind the loop's other work: a fan-out to thousands holds the
// loop for about a millisecond at a time, never for the whole fan-out (DESIGN §12: no tenant
// slows another).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

#include "common/mutex.h"

namespace syncline::http {

class LiveSink;

class LiveWriter {
 public:
  explicit LiveWriter(boost::asio::io_context& ioc) : ioc_(ioc) {}
  // Any thread. The sink must belong to this writer's loop (its socket's executor).
  void ready(std::shared_ptr<LiveSink> sink);

 private:
  static constexpr std::size_t kChunk = 128;
  void drain();  // on the loop's thread

  boost::asio::io_context& ioc_;
  Mutex mu_;
  std::vector<std::shared_ptr<LiveSink>> ready_ SYNCLINE_GUARDED_BY(mu_);
  // A drain is queued or a batch is in progress: ready() posts none.
  bool posted_ SYNCLINE_GUARDED_BY(mu_) = false;
  // The loop thread's own: the batch being written, and how far.
  std::vector<std::shared_ptr<LiveSink>> draining_;
  std::size_t next_ = 0;
};

}  // namespace syncline::http
