// Forwarder: a tiny in-process TCP forwarder for bench_offline. The client under test reaches
// the server through it; cut() takes the network away (every connection closed, new ones
// closed as soon as they are accepted), restore() brings it back. One thread owns every socket
// (cut and restore only set a flag), so no descriptor is closed under a poll that still uses it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <stdexcept>
#include <thread>
#include <vector>

namespace syncline::bench {

class Forwarder {
 public:
  explicit Forwarder(unsigned short target) : target_(target) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto a = loopback(0);
    socklen_t len = sizeof a;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 256) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("forwarder: cannot listen");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~Forwarder() {
    stop_ = true;
    thread_.join();
    close_all();
    ::close(listen_fd_);
  }
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  unsigned short port() const { return port_; }
  void cut() { cut_ = true; }
  void restore() { cut_ = false; }

 private:
  struct Pair {
    int client, server;
  };

  static sockaddr_in loopback(unsigned short port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }
  static bool send_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
      auto w = ::send(fd, p, n, MSG_NOSIGNAL);
      if (w <= 0) return false;
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }
  void close_all() {
    for (auto& p : pairs_) {
      ::close(p.client);
      ::close(p.server);
    }
    pairs_.clear();
  }
  void accept_one() {
    int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    if (cut_) {
      ::close(c);  // offline: the peer sees the connection closed at once
      return;
    }
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto a = loopback(target_);
    if (s < 0 || ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      if (s >= 0) ::close(s);
      ::close(c);
      return;
    }
    int one = 1;
    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pairs_.push_back({c, s});
  }
  void run() {
    char buf[65536];
    std::vector<pollfd> fds;
    while (!stop_) {
      if (cut_) close_all();
      fds.assign(1, pollfd{listen_fd_, POLLIN, 0});
      for (const auto& p : pairs_) {
        fds.push_back({p.client, POLLIN, 0});
        fds.push_back({p.server, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 10) <= 0) continue;
      // Forward what arrived; pairs added by accept_one() below are polled next round.
      std::vector<Pair> alive;
      for (std::size_t i = 0; i < pairs_.size(); ++i) {
        const auto& p = pairs_[i];
        bool closed = false;
        for (int side = 0; side < 2 && !closed; ++side) {
          if (!fds[1 + 2 * i + static_cast<std::size_t>(side)].revents) continue;
          int from = side == 0 ? p.client : p.server, to = side == 0 ? p.server : p.client;
          auto n = ::recv(from, buf, sizeof buf, MSG_DONTWAIT);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
              (n > 0 && !send_all(to, buf, static_cast<std::size_t>(n))))
            closed = true;
        }
        if (closed) {
          ::close(p.client);
          ::close(p.server);
        } else {
          alive.push_back(p);
        }
      }
      pairs_.swap(alive);
      if (fds[0].revents & POLLIN) accept_one();
    }
  }

  unsigned short target_, port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false}, cut_{false};
  std::vector<Pair> pairs_;  // the forwarding thread's only
  std::thread thread_;
};

}  // namespace syncline::bench
