// The client's lock order (client/README.md, "Lock order"), checked at run time. Each mutex
// carries its level in its type. A thread that blocks on one while it holds a mutex of the same
// or a higher level (the same recursive one excepted) could deadlock with a thread that takes
// them the other way round; so the attempt fails before it blocks: it throws std::logic_error,
// as a broken SYNCLINE_ASSERT does, and lock_order::violations() counts it (the test suites
// require 0). A bounded wait (try_lock, try_lock_for) cannot deadlock and is not checked.
// Cost: a thread-local list of the locks held, a few entries long.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace syncline::client {

namespace lock_order {
// Before a blocking lock of `m` at `level`: throws if the order forbids it.
void check(const void* m, int level, bool recursive);
void held(const void* m, int level);  // after any lock taken
void released(const void* m);         // before the unlock
std::uint64_t violations();           // since the process started
}  // namespace lock_order

template <class M, int Level, bool Recursive = false>
class Ordered {
 public:
  static constexpr int kLevel = Level;

  void lock() {
    lock_order::check(this, Level, Recursive);
    m_.lock();
    lock_order::held(this, Level);
  }
  bool try_lock() {
    if (!m_.try_lock()) return false;
    lock_order::held(this, Level);
    return true;
  }
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d) {
    if (!m_.try_lock_for(d)) return false;
    lock_order::held(this, Level);
    return true;
  }
  void unlock() {
    lock_order::released(this);
    m_.unlock();
  }

 private:
  M m_;
};

// Levels 1 (outermost) to 8 (leaves), as client/README.md lists them.
template <int Level>
using OrderedMutex = Ordered<std::mutex, Level>;
template <int Level>
using OrderedRecursiveMutex = Ordered<std::recursive_mutex, Level, true>;
template <int Level>
using OrderedTimedMutex = Ordered<std::timed_mutex, Level>;

}  // namespace syncline::client
