#include "common/memory.h"

#include <malloc.h>

#include <cstddef>

extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp,
                       std::size_t newlen) __attribute__((weak));

namespace syncline {

void configure_allocator() {
  // Blocks from 256 KiB up (a large frame, a catch-up page) are mmapped and unmapped on free;
  // setting it also stops glibc from raising the threshold dynamically.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
}

void release_free_memory() {
  // The server links jemalloc (CMakeLists.txt): purge its arenas' unused pages now instead of
  // after its decay time. The symbol is weak: null in binaries on glibc's malloc (the tests).
  if (mallctl != nullptr) {
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // 4096: MALLCTL_ARENAS_ALL
    return;
  }
  malloc_trim(0);
}

}  // namespace syncline
