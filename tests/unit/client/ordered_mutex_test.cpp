// The client's lock order, checked at run time (syncline/ordered_mutex.h, client/README.md).
#include "syncline/ordered_mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <stdexcept>
#include <thread>

namespace syncline::client {
namespace {

using namespace std::chrono_literals;

TEST(LockOrder, OutermostFirstIsTakenAndTheReverseThrowsBeforeBlockingTAB001) {
  const auto before = lock_order::violations();
  OrderedMutex<2> outer;
  OrderedMutex<7> inner;
  {
    std::lock_guard a(outer);
    std::lock_guard b(inner);  // 2 then 7: the order
  }
  {
    std::lock_guard b(inner);
    EXPECT_THROW(outer.lock(), std::logic_error);  // 7 then 2: refused, not taken
  }
  EXPECT_EQ(lock_order::violations(), before + 1);
  // Refused means not taken: another thread can take it at once.
  std::thread t([&] { std::lock_guard a(outer); });
  t.join();
}

TEST(LockOrder, TwoOfOneLevelAreRefusedTheSameRecursiveOneIsNotTAB001) {
  const auto before = lock_order::violations();
  OrderedMutex<7> store, outbox;
  {
    std::lock_guard a(store);
    EXPECT_THROW(outbox.lock(), std::logic_error);
  }
  OrderedRecursiveMutex<2> state;
  OrderedMutex<8> leaf;
  {
    std::lock_guard a(state);
    std::lock_guard b(leaf);
    std::lock_guard again(state);  // held already: it does not block, whatever is held since
  }
  EXPECT_EQ(lock_order::violations(), before + 1);
}

TEST(LockOrder, ABoundedWaitIsNotCheckedAndReleaseMayComeOutOfOrderTAB001) {
  const auto before = lock_order::violations();
  OrderedTimedMutex<1> flush;
  OrderedRecursiveMutex<2> state;
  {
    std::lock_guard a(state);
    std::unique_lock f(flush, 10ms);  // try_lock_for under a higher level: bounded, allowed
    EXPECT_TRUE(f.owns_lock());
  }
  // A condition variable's wait releases and takes its lock again while others stay held.
  OrderedMutex<3> link;
  OrderedMutex<8> sync;
  std::condition_variable_any cv;
  bool woken = false;
  std::thread waker([&] {
    std::lock_guard s(sync);
    woken = true;
    cv.notify_all();
  });
  {
    std::lock_guard l(link);
    std::unique_lock s(sync);
    cv.wait(s, [&] { return woken; });
    s.unlock();
    OrderedMutex<5> shapes;
    std::lock_guard after(shapes);  // only level 3 held now
  }
  waker.join();
  EXPECT_EQ(lock_order::violations(), before);
}

}  // namespace
}  // namespace syncline::client
