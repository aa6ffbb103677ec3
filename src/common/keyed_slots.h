// Places held per key, with a cap per key and one in all: the password lane's admission (per
// client key) and connections per address (SEC-050). A Ticket gives its place back when it is
// destroyed. Thread-safe; decides at once, never waits.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/mutex.h"

namespace syncline {

class KeyedSlots {
 public:
  KeyedSlots(std::size_t per_key, std::size_t total) : per_key_(per_key), total_(total) {}
  KeyedSlots(const KeyedSlots&) = delete;
  KeyedSlots& operator=(const KeyedSlots&) = delete;

  // A place held until destroyed (movable; a moved-from Ticket holds nothing).
  class Ticket {
   public:
    Ticket(KeyedSlots* slots, std::string key) : slots_(slots), key_(std::move(key)) {}
    Ticket(Ticket&& o) noexcept
        : slots_(std::exchange(o.slots_, nullptr)), key_(std::move(o.key_)) {}
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket();

   private:
    KeyedSlots* slots_;
    std::string key_;
  };

  // A place for this key, or nullopt when the key's share or the whole is full.
  std::optional<Ticket> try_enter(const std::string& key);
  std::size_t per_key() const { return per_key_; }

 private:
  void leave(const std::string& key);

  const std::size_t per_key_, total_;
  Mutex mu_;
  std::size_t inside_ SYNCLINE_GUARDED_BY(mu_) = 0;
  std::unordered_map<std::string, std::size_t> per_key_inside_
      SYNCLINE_GUARDED_BY(mu_);  // keys holding places
};

}  // namespace syncline
