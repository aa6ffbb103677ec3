// Resource readings of a process (the server's or this one's): resident memory and CPU time.
#pragma once

namespace fanout {

// VmRSS of a process in KiB, -1 when unreadable.
long rss_kib(long pid);

// CPU seconds (user + system) of a process so far, -1 when unreadable; pid 0 = this process.
double cpu_seconds(long pid);

}  // namespace fanout
