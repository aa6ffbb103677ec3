// A TCP proxy owned by a test: the client under test reaches the server through it, and the
// test cuts the network (every connection closed, new ones refused) or loses responses (the
// request reaches the server, the reply never reaches the client).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
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
  // While muted, what servers send is dropped (connections stay open): requests land, the
  // client hears nothing, not even on its live stream.
  void mute(bool on) { mute_ = on; }
  // The next n connections whose request starts with `method` forward it but drop the
  // server's reply (and then close): the server applies, the client never hears.
  void lose_next_responses(int n, const std::string& method) {
    std::lock_guard lock(mu_);
    lose_ += n;
    lose_method_ = method;
  }
  void keep_responses() {
    std::lock_guard lock(mu_);
    lose_ = 0;
  }
  // Every `from` in what servers send becomes `to` (same length, so the framing holds): the
  // test turns bytes a client would trust into bytes it must refuse.
  void rewrite_replies(const std::string& from, const std::string& to) {
    std::lock_guard lock(mu_);
    rewrite_from_ = from;
    rewrite_to_ = to;
  }
  int rewritten() const { return rewritten_; }
  int connections() const { return connections_; }  // accepted and forwarded
  int lost() const { return lost_; }                // replies dropped so far
  // Requests seen with this method (the client opens one connection per request).
  int requests(const std::string& method) const {
    std::lock_guard lock(mu_);
    auto it = requests_.find(method);
    return it == requests_.end() ? 0 : it->second;
  }

 private:
  struct Pair {
    int client, server;
    bool decided = false;  // whether its reply is lost is known from the request's first bytes
    bool lose = false;
  };
  void run();
  void close_all_locked();
  void rewrite(char* buf, std::size_t n);

  unsigned short target_, port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false}, cut_{false}, mute_{false};
  int lose_ = 0;
  std::string lose_method_;
  std::atomic<int> connections_{0}, lost_{0}, rewritten_{0};
  std::string rewrite_from_, rewrite_to_;
  mutable std::mutex mu_;
  std::map<std::string, int> requests_;
  std::vector<Pair> pairs_;
  std::thread thread_;
};

}  // namespace syncline::test
