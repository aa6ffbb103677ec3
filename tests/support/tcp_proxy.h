// A TCP proxy owned by a test: the client under test reaches the server through it, and the
// test cuts the network (every connection closed, new ones refused) or loses responses (the
// request reaches the server, the reply never reaches the client).
#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace syncline::test {

class TcpProxy {
 public:
  explicit TcpProxy(unsigned short target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  unsigned short port() const { return port_; }
  void cut();      // offline: closes every connection and refuses new ones
  void restore();  // online again
  // The next n connections forward their requests but drop the server's replies (and then
  // close): the server applies, the client never hears.
  void lose_next_responses(int n) { lose_ += n; }
  int connections() const { return connections_; }  // accepted and forwarded

 private:
  struct Pair {
    int client, server;
    bool lose;
  };
  void run();
  void close_all_locked();

  unsigned short target_, port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false}, cut_{false};
  std::atomic<int> lose_{0}, connections_{0};
  std::mutex mu_;
  std::vector<Pair> pairs_;
  std::thread thread_;
};

}  // namespace syncline::test
