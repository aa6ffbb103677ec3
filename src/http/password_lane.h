// The password lane (SEC-041, DESIGN §20). Sign-up and sign-in hash with argon2id (≈0.1 s of a
// core and 64 MiB each). Their handlers run on threads of their own, never on the handler
// threads every other route needs, so a flood of them cannot stall a node's reads. Admission is
// decided on the event loop, at once: at most kThreads requests in the lane and kPerClient of
// one client key (an address, an IPv6 /64); beyond that the answer is 429 with Retry-After
// without queueing. Inside the lane auth::HashGate hands its slots round-robin across addresses.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace syncline::http {

class PasswordLane {
 public:
  static constexpr std::size_t kThreads = 16;
  static constexpr std::size_t kPerClient = 4;

  // A place in the lane, held until destroyed (movable; a moved-from Ticket holds nothing).
  class Ticket {
   public:
    Ticket(PasswordLane* lane, std::string key) : lane_(lane), key_(std::move(key)) {}
    Ticket(Ticket&& o) noexcept : lane_(std::exchange(o.lane_, nullptr)), key_(std::move(o.key_)) {}
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket();

   private:
    PasswordLane* lane_;
    std::string key_;
  };

  // A place for this client key, or nullopt when the lane or the key's share is full.
  std::optional<Ticket> try_enter(const std::string& key);

 private:
  void leave(const std::string& key);

  std::mutex mu_;
  std::size_t inside_ = 0;
  std::unordered_map<std::string, std::size_t> per_key_;  // keys with someone inside
};

}  // namespace syncline::http
