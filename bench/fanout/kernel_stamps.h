// Kernel receive timestamps (SO_TIMESTAMPNS) on a socket and a non-blocking read that returns them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fanout {

// Asks the kernel to stamp every datagram / segment received on `fd`.
void enable_timestamps(int fd);

// recv(MSG_DONTWAIT) with the kernel receive timestamp of the data read. Returns the byte
// count, 0 at EOF, -1 when nothing is available, -2 on error (errno set).
long recv_stamped(int fd, char* buf, std::size_t len, std::int64_t& kernel_ns);

}  // namespace fanout
