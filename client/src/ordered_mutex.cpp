// The run-time check of the client's lock order (syncline/ordered_mutex.h).
#include "syncline/ordered_mutex.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace syncline::client::lock_order {

namespace {

struct Held {
  const void* mutex;
  int level;
};

// Innermost last; a recursive mutex stands once per time it is held.
thread_local std::vector<Held> tl_held;
std::atomic<std::uint64_t> g_violations{0};

}  // namespace

void check(const void* m, int level, bool recursive) {
  if (recursive &&
      std::any_of(tl_held.begin(), tl_held.end(), [&](const Held& h) { return h.mutex == m; }))
    return;  // held by this thread already: it does not block
  for (const auto& h : tl_held) {
    if (h.level < level) continue;
    g_violations.fetch_add(1, std::memory_order_relaxed);
    throw std::logic_error("invariant broken: the client's lock order (client/README.md): level " +
                           std::to_string(level) + " taken while level " + std::to_string(h.level) +
                           " is held" + (h.mutex == m ? " (the same mutex)" : ""));
  }
}

void held(const void* m, int level) {
  tl_held.push_back({m, level});
}

void released(const void* m) {
  // Locks may be released out of order (a condition variable's wait, a unique_lock moved).
  auto it =
      std::find_if(tl_held.rbegin(), tl_held.rend(), [&](const Held& h) { return h.mutex == m; });
  if (it != tl_held.rend()) tl_held.erase(std::next(it).base());
}

std::uint64_t violations() {
  return g_violations.load(std::memory_order_relaxed);
}

}  // namespace syncline::client::lock_order
