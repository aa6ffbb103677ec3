// The password lane (SEC-041, SEC-050, DESIGN §20). Sign-up and sign-in hash with argon2id
// (≈0.1 s of a core and 64 MiB each). Their handlers run on threads of their own, never on the
// handler threads every other route needs, so a flood of them cannot stall a node's reads.
// Admission is decided on the event loop, at once (common/keyed_slots.h): at most kThreads
// requests in the lane and kPerClient of one client key (an address, an IPv6 /64); beyond that
// the answer is 429 with Retry-After without queueing. Inside the lane auth::HashGate hands its
// slots round-robin across addresses.
#pragma once

#include <cstddef>

namespace syncline::http {

struct PasswordLane {
  static constexpr std::size_t kThreads = 16;
  static constexpr std::size_t kPerClient = 4;
  // The lane's threads' nice value (common/thread_priority.h): on a saturated box a member's
  // reads are scheduled before hashing (bench-hostile's fourth figure).
  static constexpr int kNice = 5;
};

}  // namespace syncline::http
