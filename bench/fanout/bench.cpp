// The bench's shared state: run tags and first-error reporting.
#include "bench.h"

#include <cstdio>

namespace fanout {

std::string random_tag(std::size_t n) {
  return syncline::client::make_source_id().substr(0, n);
}

void Bench::error(const std::string& what) {
  if (!error_reported) {
    error_reported = true;
    std::fprintf(stderr, "bench_fanout: first error: %s\n", what.c_str());
  }
}

}  // namespace fanout
