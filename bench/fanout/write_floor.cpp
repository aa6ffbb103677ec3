#include "write_floor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "kernel_stamps.h"

namespace fanout {

namespace {

double thread_cpu_us() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  auto us = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
  return us(u.ru_utime) + us(u.ru_stime);
}

// The reader process: K connections to `port`, drained by epoll until every one is closed.
[[noreturn]] void read_all(int k, unsigned short port) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int ep = epoll_create1(0);
  for (int i = 0; i < k; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) _exit(1);
    // As the bench's subscribers: receive timestamps on, which the sender's side pays for
    // on loopback (the receive path runs in its softirq).
    enable_timestamps(fd);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  int open = k;
  // No allocation after fork() in a threaded process (another thread may hold malloc's lock).
  static epoll_event events[1024];
  static char buf[16384];
  while (open > 0) {
    int n = epoll_wait(ep, events, 1024, 10000);
    if (n <= 0) _exit(n == 0 ? 3 : 2);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      std::int64_t stamp = 0;
      long got = recv_stamped(fd, buf, sizeof buf, stamp);
      if (got == -1) continue;  // nothing after all
      if (got <= 0) {
        ::close(fd);
        --open;
      }
    }
  }
  _exit(0);
}

}  // namespace

WriteFloor measure_write_floor(int k, std::size_t frame_bytes, int rounds, int gap_ms) {
  WriteFloor r;
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof at;
  if (lfd < 0 || ::bind(lfd, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 ||
      ::listen(lfd, 4096) != 0 || ::getsockname(lfd, reinterpret_cast<sockaddr*>(&at), &len)) {
    r.error = std::string("write floor: listen: ") + std::strerror(errno);
    if (lfd >= 0) ::close(lfd);
    return r;
  }
  timeval patience{10, 0};  // a reader that failed to connect must not hang accept()
  setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
  const pid_t reader = ::fork();
  if (reader == 0) {
    ::close(lfd);
    read_all(k, ntohs(at.sin_port));
  }
  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(k));
  while (static_cast<int>(fds.size()) < k) {
    int fd = ::accept(lfd, nullptr, nullptr);
    if (fd < 0) {
      r.error = std::string("write floor: accept: ") + std::strerror(errno);
      break;
    }
    fds.push_back(fd);
  }
  ::close(lfd);
  if (r.error.empty()) {
    // The shape of a change frame; the bytes do not matter, their count does.
    std::string frame = "event: change\nid: 1\ndata: {";
    frame.resize(frame_bytes > 3 ? frame_bytes - 3 : 0, 'x');
    frame += "}\n\n";
    double cpu = 0;
    for (int round = 0; round < rounds && r.error.empty(); ++round) {
      const double before = thread_cpu_us();
      for (int fd : fds)
        if (::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(frame.size()))
          r.error = std::string("write floor: send: ") + std::strerror(errno);
      cpu += thread_cpu_us() - before;
      r.frames += fds.size();
      std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
    }
    if (r.frames > 0) r.cpu_us_per_frame = cpu / static_cast<double>(r.frames);
  }
  for (int fd : fds) ::close(fd);
  int status = 0;
  ::waitpid(reader, &status, 0);
  if (r.error.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    r.error = "write floor: the reader failed";
  return r;
}

}  // namespace fanout
