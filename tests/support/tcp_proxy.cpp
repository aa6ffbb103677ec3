#include "support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string_view>

namespace syncline::test {

namespace {
sockaddr_in loopback(unsigned short port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool send_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    auto w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}
}  // namespace

TcpProxy::TcpProxy(unsigned short target) : target_(target) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto a = loopback(0);
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("proxy: cannot listen");
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { run(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  thread_.join();
  std::lock_guard lock(mu_);
  close_all_locked();
  ::close(listen_fd_);
}

void TcpProxy::cut() {
  cut_ = true;
  std::lock_guard lock(mu_);
  close_all_locked();
}

void TcpProxy::restore() {
  cut_ = false;
}

void TcpProxy::close_all_locked() {
  for (auto& p : pairs_) {
    ::close(p.client);
    ::close(p.server);
  }
  pairs_.clear();
}

// Within one read: a pattern split across two reads is missed (tests use short messages).
void TcpProxy::rewrite(char* buf, std::size_t n) {
  std::string_view view(buf, n);
  for (auto at = view.find(rewrite_from_); at != std::string_view::npos;
       at = view.find(rewrite_from_, at + rewrite_to_.size())) {
    std::copy(rewrite_to_.begin(), rewrite_to_.end(), buf + at);
    ++rewritten_;
  }
}

void TcpProxy::run() {
  char buf[65536];
  while (!stop_) {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    std::vector<Pair> pairs;
    {
      std::lock_guard lock(mu_);
      pairs = pairs_;
    }
    for (const auto& p : pairs) {
      fds.push_back({p.client, POLLIN, 0});
      fds.push_back({p.server, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    std::lock_guard lock(mu_);
    if (fds[0].revents & POLLIN) {
      int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0 && cut_) {
        ::close(c);  // offline: the connection is refused at once
      } else if (c >= 0) {
        int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        auto a = loopback(target_);
        if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
          ::close(s);
          ::close(c);
        } else {
          pairs_.push_back({c, s});
          ++connections_;
        }
      }
    }
    // Forward what arrived; a pair closed by cut() meanwhile is no longer in pairs_.
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const auto& p = pairs[i];
      auto it = std::find_if(pairs_.begin(), pairs_.end(),
                             [&](const Pair& q) { return q.client == p.client; });
      if (it == pairs_.end()) continue;
      bool closed = false;
      for (int side = 0; side < 2 && !closed; ++side) {
        if (!fds[1 + 2 * i + side].revents) continue;
        int from = side == 0 ? p.client : p.server, to = side == 0 ? p.server : p.client;
        // Non-blocking: after a cut() the fd number may already belong to a new connection.
        auto n = ::recv(from, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (n > 0 && side == 0 && !it->decided) {
          it->decided = true;
          std::string_view head(buf, static_cast<std::size_t>(n));
          if (auto sp = head.find(' '); sp != std::string_view::npos && sp < 16)
            ++requests_[std::string(head.substr(0, sp))];
          if (lose_ > 0 &&
              std::string_view(buf, static_cast<std::size_t>(n)).starts_with(lose_method_ + " ")) {
            --lose_;
            ++lost_;
            it->lose = true;
          }
        }
        if (n > 0 && side == 1 && !rewrite_from_.empty()) rewrite(buf, static_cast<std::size_t>(n));
        if (n <= 0 || (side == 1 && it->lose)) {
          closed = true;  // a lost response: the reply is dropped with the connection
        } else if (side == 1 && mute_) {
          // muted: dropped, the connection stays
        } else if (!send_all(to, buf, static_cast<std::size_t>(n))) {
          closed = true;
        }
        // Clients send one request at a time and wait for its answer (no pipelining): once an
        // answer came (forwarded or muted), the client's next bytes begin its next request.
        if (side == 1 && n > 0) it->decided = false;
      }
      if (closed) {
        ::close(it->client);
        ::close(it->server);
        pairs_.erase(it);
      }
    }
  }
}

}  // namespace syncline::test
