// LiveStream: the client side of GET /organizations/{o}/live?live=sse on its own thread, over
// Boost.Beast (the same stack as the server; plain TCP or TLS) with the WHATWG SSE parser. It
// resumes with Last-Event-ID, so a dropped connection loses nothing: a stream that was up is
// reopened within 0–500 ms (spread), failed attempts back off 1 s → 30 s, ±20 %. Messages are
// delivered in order on the stream thread.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "syncline/sse_parser.h"

namespace syncline::client {

class LiveStream {
 public:
  struct Options {
    std::string host;
    unsigned short port = 0;
    std::string token;
    std::string org;
    std::string offset = "now";  // used until the stream has given an id
    // Asked for a fresh token before connecting when there is none, after a 401 and after the
    // server ended the stream with `token_expired` (then the stream reconnects at once).
    std::function<std::string()> token_provider;
    bool tls = false;  // https, verified as Api does (api.h ServerAddress)
    std::string ca_file;
    std::string shape;  // the `shape` JSON (DESIGN §16; syncline/shape.h), "" = the whole org
  };
  using OnMessage = std::function<void(const SseMessage&)>;
  using OnState = std::function<void(bool connected, int http_status)>;

  LiveStream(Options o, OnMessage on_message, OnState on_state = {});
  ~LiveStream();
  LiveStream(const LiveStream&) = delete;
  LiveStream& operator=(const LiveStream&) = delete;

  void start();
  void stop();
  // Forget the position (after `event: reset`) and reconnect at once from `offset`. Call it
  // only from the message callback (the stream thread).
  void restart_from(const std::string& offset) { pending_restart_ = offset; }
  // Cut a reconnect backoff short (the network is back).
  void wake() { wake_ = true; }

 private:
  void run();
  // One connection. Returns true when the next one should start at once (restart_from).
  bool session();

  Options opts_;
  OnMessage on_message_;
  OnState on_state_;
  SseParser parser_;
  std::thread thread_;
  std::atomic<bool> stop_{false}, wake_{false};
  std::atomic<int> fd_{-1};
  void deliver(const SseMessage& m);

  std::optional<std::string> pending_restart_;  // stream thread only
  bool token_stale_ = false;                    // stream thread only
  bool established_ = false;  // this connection delivered an event (stream thread only)
};

}  // namespace syncline::client
