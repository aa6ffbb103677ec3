// An incremental Server-Sent Events parser following the WHATWG HTML "event stream
// interpretation": CR, LF and CRLF line ends (also split across chunks), a leading UTF-8 BOM,
// comments, multi-line data, `id` (ignored when it contains NUL; persists across events),
// `retry` (digits only), and dispatch on an empty line; an event without data is not
// dispatched. Feed bytes as they arrive; events come out in order. Memory is bounded: an
// event over kMaxEventBytes is dropped whole (counted), never buffered. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace syncline::client {

struct SseMessage {
  std::string event;  // "message" when the stream named none
  std::string data;   // data lines joined with "\n"
  std::string last_event_id;
};

class SseParser {
 public:
  static constexpr std::size_t kMaxEventBytes = 16u << 20;  // the server's frames are ≤ ~2 MiB

  using OnMessage = std::function<void(const SseMessage&)>;
  explicit SseParser(OnMessage on_message) : on_message_(std::move(on_message)) {}

  void feed(std::string_view bytes);
  // The last `retry:` value in milliseconds, if any.
  std::optional<std::int64_t> retry_ms() const { return retry_ms_; }
  const std::string& last_event_id() const { return last_event_id_; }
  std::uint64_t dropped() const { return dropped_; }  // oversized events
  // A new connection: the BOM check starts over and a partial line or event is dropped
  // (last_event_id is kept, as EventSource keeps it for the reconnect).
  void reset_connection();

 private:
  void line(std::string_view l);
  void dispatch();

  OnMessage on_message_;
  std::string line_;
  bool started_ = false;    // past the optional BOM
  bool after_cr_ = false;   // the previous chunk ended in CR: a leading LF belongs to it
  bool oversized_ = false;  // inside an event over kMaxEventBytes: skipping it
  std::uint64_t dropped_ = 0;
  std::string event_, data_, last_event_id_;
  std::optional<std::int64_t> retry_ms_;
};

}  // namespace syncline::client
