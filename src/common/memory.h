// Returning freed memory to the OS (SEC-036). glibc keeps freed heap memory for reuse and
// raises its mmap threshold after large frees, so after a burst of large frames (1–2 MiB
// entities fanned out to many streams) RSS would stay at its peak. The server fixes the mmap
// threshold (large blocks come from mmap and go back on free) and trims the heaps periodically;
// linked with jemalloc (the server binary), the periodic call purges jemalloc's arenas instead.
#pragma once

namespace syncline {

// Once, at process start, before threads allocate.
void configure_allocator();
// Gives free heap pages back to the OS. Takes up to a few ms: call it off the event loop.
void release_free_memory();

}  // namespace syncline
