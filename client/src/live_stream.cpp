#include "syncline/live_stream.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <random>

namespace syncline::client {

namespace {
int connect_to(const std::string& host, unsigned short port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (auto* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}
}  // namespace

LiveStream::LiveStream(Options o, OnMessage on_message, OnState on_state)
    : opts_(std::move(o)),
      on_message_(std::move(on_message)),
      on_state_(std::move(on_state)),
      parser_([this](const SseMessage& m) { on_message_(m); }) {}

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
  double backoff_ms = 1000;
  while (!stop_) {
    auto started = std::chrono::steady_clock::now();
    if (session()) continue;
    if (stop_) break;
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(30)) backoff_ms = 1000;
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    auto until = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(static_cast<long>(backoff_ms * jitter(rng)));
    while (!stop_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    backoff_ms = std::min(backoff_ms * 2, 30'000.0);
  }
}

bool LiveStream::session() {
  int fd = connect_to(opts_.host, opts_.port);
  if (fd < 0) {
    if (on_state_) on_state_(false, 0);
    return false;
  }
  fd_ = fd;
  parser_.reset_connection();
  std::string request =
      "GET /organizations/" + opts_.org + "/live?live=sse&offset=" + opts_.offset +
      " HTTP/1.1\r\nHost: " + opts_.host +
      "\r\nAccept: text/event-stream\r\nAuthorization: Bearer " + opts_.token + "\r\n";
  if (!parser_.last_event_id().empty())
    request += "Last-Event-ID: " + parser_.last_event_id() + "\r\n";
  request += "\r\n";
  bool ok = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size());
  std::string head;
  char buf[16384];
  int status = 0;
  while (ok && !stop_) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    if (status == 0) {
      head.append(buf, static_cast<std::size_t>(n));
      auto end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      status = head.size() > 12 ? std::atoi(head.substr(9, 3).c_str()) : 0;
      if (on_state_) on_state_(status == 200, status);
      if (status != 200) break;
      parser_.feed(std::string_view(head).substr(end + 4));
    } else {
      parser_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    }
    if (pending_restart_) break;
  }
  fd_ = -1;
  ::close(fd);
  if (on_state_ && status == 200) on_state_(false, 0);
  if (pending_restart_) {
    opts_.offset = *pending_restart_;
    pending_restart_.reset();
    parser_ = SseParser([this](const SseMessage& m) { on_message_(m); });
    return !stop_;
  }
  return false;
}

}  // namespace syncline::client
