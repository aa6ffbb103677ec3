// Thread priorities (SEC-050): every thread of a pool gets the nice value, and no other thread
// (the caller's stays as it was).
#include "common/thread_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdlib>
#include <latch>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace syncline {

namespace {
// The nice value of each of the pool's threads, read on each of them once.
std::multiset<int> nice_values(boost::asio::thread_pool& pool, std::size_t threads) {
  struct Seen {
    explicit Seen(std::size_t n) : all(static_cast<std::ptrdiff_t>(n)) {}
    std::latch all;
    std::mutex m;
    std::multiset<int> values;
  };
  auto seen = std::make_shared<Seen>(threads);  // outlives the last task's arrive_and_wait
  for (std::size_t i = 0; i < threads; ++i)
    boost::asio::post(pool, [seen] {
      int n = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
      {
        std::lock_guard lock(seen->m);
        seen->values.insert(n);
      }
      seen->all.arrive_and_wait();
    });
  seen->all.wait();
  std::lock_guard lock(seen->m);
  return seen->values;
}

// Overwrites the stack below the caller's frame with non-zero bytes.
[[gnu::noinline]] void scribble_on_the_stack() {
  volatile unsigned char bytes[16384];
  for (auto& b : bytes) b = 0x7f;
}
}  // namespace

TEST(ThreadPriority, EveryThreadOfThePoolAndNoOtherSEC050) {
  const int before = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  boost::asio::thread_pool pool(3);
  lower_priority(pool, 3, before + 7);
  EXPECT_EQ(nice_values(pool, 3), (std::multiset<int>{before + 7, before + 7, before + 7}));
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), before);
  pool.join();
}

// The pool keeps working afterwards, every time: each of its threads left lower_priority (a
// latch on the caller's stack once left threads waiting on freed memory, the lane dead).
TEST(ThreadPriority, ThePoolKeepsWorkingAfterwardsSEC050) {
  const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  for (int round = 0; round < 200; ++round) {
    boost::asio::thread_pool pool(4);
    lower_priority(pool, 4, nice);
    scribble_on_the_stack();  // where a latch of lower_priority's frame would have been
    // Four tasks at once: each needs a thread of its own to pass the latch.
    auto done = std::make_shared<std::latch>(4);
    for (int i = 0; i < 4; ++i) boost::asio::post(pool, [done] { done->arrive_and_wait(); });
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done->try_wait() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!done->try_wait()) {
      ADD_FAILURE() << "round " << round << ": a thread of the pool never came back";
      std::_Exit(1);  // its threads cannot be joined
    }
    pool.join();
  }
}

}  // namespace syncline
