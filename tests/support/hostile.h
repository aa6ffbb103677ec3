// Helpers for the hostile-client tests: raw sockets that misbehave (connect and stay silent,
// or request a stream and never read), reading a node's metrics and its memory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "support/http_client.h"
#include "support/sse_client.h"

namespace syncline::test {

// A TCP connection to 127.0.0.1:port (from `source`, a loopback address), or throws.
int connect_to(unsigned short port, const std::string& source = "");
// Opens `GET target` as an SSE stream with a tiny receive buffer and never reads it.
int open_stalled_stream(unsigned short port, const std::string& target, const std::string& token);
// Reads what arrives within the timeout (or until the peer closes), then closes fd.
std::string read_some(int fd, std::chrono::milliseconds timeout);
// A gauge or counter from GET /metrics (-1 when missing).
double gauge(const Http& http, const std::string& name);
// Resident memory of a process, in KiB (VmRSS).
long rss_kib(pid_t pid);

}  // namespace syncline::test
