// Admission to argon2id (SEC-041). At most kSlots hashes run at once. When all are busy,
// callers wait in a queue of their client address, and a freed slot goes to the next address
// in round-robin order, not to the next caller: a flood from one address cannot keep others
// out (each other address waits for at most about one hash per busy address). Per address at
// most kPerClientWaiting wait and at most kMaxWaiting in all; beyond that, or after kMaxWait,
// the caller gets 429 RATE_LIMITED with Retry-After (a value). It blocks: the password lane's
// threads only (http/password_lane.h), which admit at most kThreads callers at all.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "common/error.h"
#include "common/mutex.h"

namespace syncline::auth {

class HashGate {
 public:
  static constexpr int kSlots = 2;
  static constexpr std::size_t kPerClientWaiting = 4;
  static constexpr std::size_t kMaxWaiting = 64;
  static constexpr auto kMaxWait = std::chrono::seconds(5);

  static HashGate& instance();  // the process's gate
  HashGate() = default;         // a separate one (tests)

  // A slot held until the Turn is destroyed (movable; a moved-from Turn holds nothing).
  class Turn {
   public:
    explicit Turn(HashGate* gate) : gate_(gate) {}
    Turn(Turn&& o) noexcept : gate_(std::exchange(o.gate_, nullptr)) {}
    Turn& operator=(Turn&&) = delete;
    Turn(const Turn&) = delete;
    ~Turn();

   private:
    HashGate* gate_;
  };
  // Waits for a slot (fairly across addresses); 429 RATE_LIMITED as a value when refused.
  Result<Turn> take(const std::string& client);
  // Callers waiting now (for tests that must know the queue before they go on).
  std::size_t waiting() const;

 private:
  struct Waiter {
    bool granted = false;
  };
  Result<void> enter(const std::string& client);
  void leave();

  mutable Mutex mu_;
  std::condition_variable cv_;
  int free_ SYNCLINE_GUARDED_BY(mu_) = kSlots;
  std::size_t waiting_ SYNCLINE_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::deque<Waiter*>> queues_
      SYNCLINE_GUARDED_BY(mu_);                            // per client address, FIFO
  std::deque<std::string> ring_ SYNCLINE_GUARDED_BY(mu_);  // addresses with waiters, round-robin
};

}  // namespace syncline::auth
