// The kernel's floor for fan-out: what one thread spends to send one small frame on each of K
// loopback TCP connections, with nothing of Syncline in the way (one send(2) per connection and
// round, a reader in another process draining them by epoll, as the bench's subscribers do).
// On loopback the sender's CPU includes the receiver's TCP processing (softirq), so it is the
// floor the server's CPU per delivered frame is compared with in the same run.
#pragma once

#include <cstddef>
#include <string>

namespace fanout {

struct WriteFloor {
  double cpu_us_per_frame = -1;  // the sending thread's user + system CPU / frames
  std::size_t frames = 0;
  std::string error;
};

// K connections, `rounds` rounds `gap_ms` apart, `frame_bytes` per frame. Opens 2 K + 1
// descriptors (K here, K in the reader process): run it before the streams are opened.
WriteFloor measure_write_floor(int k, std::size_t frame_bytes, int rounds, int gap_ms);

}  // namespace fanout
