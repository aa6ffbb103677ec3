// Thread priorities (SEC-050): work that may saturate the CPU on purpose (argon2id hashing, a
// core for ≈0.1 s per sign-in) runs on threads with a higher nice value, so on a busy box the
// kernel's scheduler runs every other route's threads first. The work still progresses (CFS
// gives a nice-10 thread about a tenth of a contended core, all of an idle one).
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstddef>

namespace syncline {

// Sets the nice value of each of the `threads` threads of `pool` (Linux: per thread), waiting
// until every one has done it. Raising it needs no privilege; failing leaves a thread as it was.
void lower_priority(boost::asio::thread_pool& pool, std::size_t threads, int nice);

}  // namespace syncline
