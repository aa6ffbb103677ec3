// Command-line options of bench_fanout: parsing and the usage message.
#include "options.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace fanout {

namespace {

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "bench_fanout: %s\nusage: bench_fanout --port P --token T --org ORGID "
               "--database-url URL [--subscribers K[,K...]] [--rate R] [--seconds S] "
               "[--server-pid PID] [--open-concurrency C] [--floor-samples N] "
               "[--open-timeout SEC]\n",
               why.c_str());
  std::exit(2);
}

long parse_long(std::string_view flag, const char* s, long lo, long hi) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi) {
    usage(fmt::format("{} expects an integer in [{}, {}], got '{}'", flag, lo, hi, s));
  }
  return v;
}

int parse_int(std::string_view flag, const char* s, int lo, int hi) {
  return static_cast<int>(parse_long(flag, s, lo, hi));
}

}  // namespace

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) usage(fmt::format("missing value for {}", a));
    const char* v = argv[++i];
    if (a == "--port") {
      o.port = static_cast<unsigned short>(parse_int(a, v, 1, 65535));
    } else if (a == "--token") {
      o.token = v;
    } else if (a == "--org") {
      o.org = v;
    } else if (a == "--database-url") {
      o.database_url = v;
    } else if (a == "--subscribers") {
      o.ks.clear();
      std::string list = v;
      std::size_t start = 0;
      while (start <= list.size()) {
        auto comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        auto item = list.substr(start, comma - start);
        o.ks.push_back(parse_int(a, item.c_str(), 1, 1000000));
        start = comma + 1;
      }
    } else if (a == "--rate") {
      o.rate = parse_int(a, v, 1, 10000);
    } else if (a == "--seconds") {
      o.seconds = parse_int(a, v, 1, 86400);
    } else if (a == "--server-pid") {
      o.server_pid = parse_long(a, v, 1, 1L << 30);
    } else if (a == "--open-concurrency") {
      o.open_concurrency = parse_int(a, v, 1, 10000);
    } else if (a == "--floor-samples") {
      o.floor_samples = parse_int(a, v, 1, 100000);
    } else if (a == "--open-timeout") {
      o.open_timeout = parse_int(a, v, 1, 86400);
    } else {
      usage(fmt::format("unknown argument {}", a));
    }
  }
  if (o.port == 0 || o.token.empty() || o.org.empty() || o.database_url.empty())
    usage("--port, --token, --org and --database-url are required");
  return o;
}

}  // namespace fanout
