// Admission to argon2id (SEC-041). At most kSlots hashes run at once. When all are busy,
// callers wait in a queue of their client address, and a freed slot goes to the next address
// in round-robin order, not to the next caller: a flood from one address cannot keep others
// out (each other address waits for at most about one hash per busy address). Per address at
// most kPerClientWaiting wait and at most kMaxWaiting in all; beyond that, or after kMaxWait,
// the caller gets 429 RATE_LIMITED with Retry-After. Worker threads only (it blocks).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace syncline::auth {

class HashGate {
 public:
  static constexpr int kSlots = 2;
  static constexpr std::size_t kPerClientWaiting = 4;
  static constexpr std::size_t kMaxWaiting = 64;
  static constexpr auto kMaxWait = std::chrono::seconds(5);

  static HashGate& instance();  // the process's gate
  HashGate() = default;         // a separate one (tests)

  // RAII: holds a slot from construction to destruction; throws ApiError 429 when refused.
  class Turn {
   public:
    Turn(HashGate& gate, const std::string& client);
    ~Turn();
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    HashGate& gate_;
  };

 private:
  struct Waiter {
    bool granted = false;
  };
  void enter(const std::string& client);
  void leave();

  std::mutex mu_;
  std::condition_variable cv_;
  int free_ = kSlots;
  std::size_t waiting_ = 0;
  std::map<std::string, std::deque<Waiter*>> queues_;  // per client address, FIFO
  std::deque<std::string> ring_;                       // addresses with waiters, round-robin
};

}  // namespace syncline::auth
