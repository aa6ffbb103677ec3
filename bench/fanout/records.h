// What one K round records: each write's send and answer times, each subscriber's receipts.
#pragma once

#include <cstdint>

#include "clock.h"

namespace fanout {

struct Write {
  Clock::time_point sent{};
  Clock::time_point responded{};         // the bench parsed the 201
  std::int64_t responded_kernel_ns = 0;  // the 201's first bytes reached the socket
  bool ok = false;
  int project = -1;  // with --shapes: the page's project (its name proj-<n>)
};

// When bytes were seen: by this process (after its event loop got round to the socket) and by
// the kernel (SO_TIMESTAMPNS, CLOCK_REALTIME; 0 when absent).
struct Stamp {
  Clock::time_point at;
  std::int64_t kernel_ns = 0;
};

struct Receipt {
  std::uint32_t write;
  Stamp stamp;
};

}  // namespace fanout
