#include "common/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <latch>
#include <memory>

namespace syncline {

void lower_priority(boost::asio::thread_pool& pool, std::size_t threads, int nice) {
  // Each task waits until all have started: `threads` tasks then run on `threads` distinct
  // threads, so every thread of the pool is reached exactly once. The latch is shared: a task
  // may still be inside arrive_and_wait when this function has seen the count reach zero and
  // returned (a latch on this stack would then be gone under it).
  auto all = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(threads));
  for (std::size_t i = 0; i < threads; ++i)
    boost::asio::post(pool, [all, nice] {
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice);
      all->arrive_and_wait();
    });
  all->wait();
}

}  // namespace syncline
