// LivePlan: what the /live handler (worker thread) hands to the connection's coroutine to
// stream: the subscriber's identity and filter, and the cursor to catch up from.
#pragma once

#include <cstdint>

#include "stream/subscriber.h"

namespace syncline::stream {

struct LivePlan {
  SubscriberInfo info;
  std::int64_t cursor = 0;
  bool reset = false;  // offset invalid: send `event: reset` and close (STREAM-008)
};

}  // namespace syncline::stream
