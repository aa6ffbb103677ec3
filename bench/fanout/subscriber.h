// The raw SSE subscriber connections and the coroutines that open them.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "async.h"
#include "bench.h"
#include "records.h"

namespace fanout {

// One raw SSE connection. No per-connection read buffer: it waits for readability, then reads
// synchronously (non-blocking) into the shared buffer and keeps only an incomplete frame.
class Subscriber {
 public:
  Subscriber(Bench& b, int index) : b_(b), index_(index), sock_(b.ioc) {}

  // Connects, sends the request and reads until the first `event: offset`.
  asio::awaitable<bool> open();

  // Reads until the connection ends.
  asio::awaitable<void> run();

  // Abortive close (RST), so that the server's next write fails at once.
  void reset();

 private:
  asio::awaitable<bool> read_once();

  // Feeds bytes to the head / frame parser; false when the stream must end.
  bool consume(std::string_view data, const Stamp& at);

  // Handles every complete frame of `data` and keeps the incomplete tail.
  bool frames(std::string_view data, const Stamp& at);

  bool frame(std::string_view f, const Stamp& at);

  Bench& b_;
  int index_;
  boost::system::error_code bind_source();
  tcp::socket sock_;
  std::string partial_;
  bool head_done_ = false;
  bool got_offset_ = false;
  bool closing_ = false;
};

// One of the --open-concurrency coroutines: opens subs[next++] until none is left, starts each
// opened stream's reader and counts it ready or failed; decrements `running` when done.
asio::awaitable<void> opener(Bench& b, std::vector<std::unique_ptr<Subscriber>>& subs,
                             std::size_t& next, int& running);

}  // namespace fanout
