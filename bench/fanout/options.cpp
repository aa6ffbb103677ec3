// Command-line options of bench_fanout: parsing and the usage message.
#include "options.h"

#include "../flags.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace fanout {

namespace {
const bench::Flags kFlags(
    "bench_fanout",
    "--database-url URL [--subscribers K[,K...]] [--rate R] [--seconds S] "
    "[--server-pid PID] [--open-concurrency C] [--floor-samples N] [--floor-frame-bytes B] "
    "[--open-timeout SEC] [--shapes N] [--source-addresses N]");

int integer(std::string_view flag, const char* s, int lo, int hi) {
  return static_cast<int>(kFlags.integer(flag, s, lo, hi));
}
}  // namespace

Options parse_args(int argc, char** argv) {
  Options o;
  static_cast<bench::Server&>(o) = kFlags.parse(argc, argv, [&](std::string_view a, const char* v) {
    if (a == "--database-url") {
      o.database_url = v;
    } else if (a == "--subscribers") {
      o.ks.clear();
      std::string list = v;
      std::size_t start = 0;
      while (start <= list.size()) {
        auto comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        auto item = list.substr(start, comma - start);
        o.ks.push_back(integer(a, item.c_str(), 1, 1000000));
        start = comma + 1;
      }
    } else if (a == "--rate") {
      o.rate = integer(a, v, 1, 10000);
    } else if (a == "--seconds") {
      o.seconds = integer(a, v, 1, 86400);
    } else if (a == "--server-pid") {
      o.server_pid = kFlags.integer(a, v, 1, 1L << 30);
    } else if (a == "--open-concurrency") {
      o.open_concurrency = integer(a, v, 1, 10000);
    } else if (a == "--floor-frame-bytes") {
      o.floor_frame_bytes = static_cast<std::size_t>(integer(a, v, 16, 1 << 20));
    } else if (a == "--floor-samples") {
      o.floor_samples = integer(a, v, 1, 100000);
    } else if (a == "--open-timeout") {
      o.open_timeout = integer(a, v, 1, 86400);
    } else if (a == "--source-addresses") {
      o.source_addresses = integer(a, v, 0, 250);
    } else if (a == "--shapes") {
      o.shapes = integer(a, v, 0, 1000000);
    } else {
      return false;
    }
    return true;
  });
  if (o.database_url.empty()) kFlags.usage("--database-url is required");
  for (int k : o.ks)
    if (o.shapes > 0 && k % o.shapes != 0)
      kFlags.usage("each K must be a multiple of --shapes (as many streams per project)");
  return o;
}

}  // namespace fanout
