#include "common/memory.h"

#include <malloc.h>

namespace syncline {

void configure_allocator() {
  // Blocks from 256 KiB up (a large frame, a catch-up page) are mmapped and unmapped on free;
  // setting it also stops glibc from raising the threshold dynamically.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
}

void release_free_memory() {
  malloc_trim(0);
}

}  // namespace syncline
