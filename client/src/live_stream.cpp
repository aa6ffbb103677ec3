#include "syncline/live_stream.h"

#include "common/backoff.h"
#include "syncline/shape.h"

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <random>

#include "transport.h"

namespace syncline::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

LiveStream::LiveStream(Options o, OnMessage on_message, OnState on_state)
    : opts_(std::move(o)),
      on_message_(std::move(on_message)),
      on_state_(std::move(on_state)),
      parser_([this](const SseMessage& m) { deliver(m); }) {}

void LiveStream::deliver(const SseMessage& m) {
  established_ = true;
  if (m.event == "error" && m.data.find("\"token_expired\"") != std::string::npos)
    token_stale_ = true;
  on_message_(m);
}

LiveStream::~LiveStream() {
  stop();
}

void LiveStream::start() {
  thread_ = std::thread([this] { run(); });
}

void LiveStream::stop() {
  stop_ = true;
  if (int fd = fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
}

void LiveStream::run() {
  std::mt19937 rng(std::random_device{}());
  Backoff backoff;  // failed attempts: 1 s doubling to 30 s, ±20 %
  while (!stop_) {
    established_ = false;
    if (session()) continue;
    if (stop_) break;
    // A stream that was up (200, then its first event) and dropped — its node stopped or was
    // killed — comes back within 0–500 ms: the spread keeps a node's clients from all
    // reconnecting in the same instant. Failed attempts back off, 1 s doubling to 30 s.
    std::chrono::milliseconds delay;
    if (established_) {
      backoff.reset();
      delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 500)(rng));
    } else {
      delay = backoff.next();
    }
    auto until = std::chrono::steady_clock::now() + delay;
    while (!stop_ && !wake_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (wake_) backoff.reset();  // the network came back: try at once, then from 1 s
    wake_ = false;
  }
}

bool LiveStream::session() {
  // Boost.Beast, as on the server: the request is serialized and the response head parsed by
  // Beast; the close-delimited body is then read in pieces through a buffer_body parser and
  // fed to the SSE parser as it arrives.
  if (opts_.token_provider && (opts_.token.empty() || token_stale_)) {
    opts_.token = opts_.token_provider();
    token_stale_ = false;
  }
  Transport transport(ServerAddress{opts_.host, opts_.port, opts_.tls, opts_.ca_file});
  std::string connect_error;
  beast::error_code ec = transport.connect(std::chrono::seconds(5), connect_error);
  if (ec) {
    if (on_state_) on_state_(false, 0);
    return false;
  }
  fd_ = transport.native_handle();  // stop() shuts it down to end a blocking read
  parser_.reset_connection();
  bhttp::request<bhttp::empty_body> req{
      bhttp::verb::get,
      // features=refetch: a bulk change comes as `event: refetch` (DESIGN §18), not a reset.
      "/organizations/" + opts_.org + "/live?live=sse&features=refetch&offset=" + opts_.offset +
          (opts_.shape.empty() ? "" : "&shape=" + query_encode(opts_.shape)),
      11};
  req.set(bhttp::field::host, opts_.host);
  req.set(bhttp::field::accept, "text/event-stream");
  req.set(bhttp::field::authorization, "Bearer " + opts_.token);
  if (!parser_.last_event_id().empty()) req.set("Last-Event-ID", parser_.last_event_id());
  int status = 0;
  transport.visit([&](auto& stream) {
    bhttp::write(stream, req, ec);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::buffer_body> res;
    res.body_limit(boost::none);  // an event stream has no end
    if (!ec) bhttp::read_header(stream, buffer, res, ec);
    if (!ec) {
      status = static_cast<int>(res.get().result_int());
      if (on_state_) on_state_(status == 200, status);
    }
    char chunk[16384];
    while (!ec && status == 200 && !stop_ && !res.is_done()) {
      res.get().body().data = chunk;
      res.get().body().size = sizeof chunk;
      bhttp::read_some(stream, buffer, res, ec);  // returns with whatever arrived
      if (ec == bhttp::error::need_buffer) ec = {};
      parser_.feed(std::string_view(chunk, sizeof chunk - res.get().body().size));
      if (pending_restart_) break;
    }
  });
  fd_ = -1;
  transport.close();
  if (on_state_ && status == 200) on_state_(false, 0);
  if (status == 401) token_stale_ = true;
  // The server ended the stream at the token's exp: resume at once with a fresh one.
  if (status == 200 && token_stale_ && opts_.token_provider) return !stop_;
  if (pending_restart_) {
    opts_.offset = *pending_restart_;
    pending_restart_.reset();
    parser_ = SseParser([this](const SseMessage& m) { deliver(m); });
    return !stop_;
  }
  return false;
}

}  // namespace syncline::client
