// Command-line flags shared by the benchmarks: `--name value` pairs, integers range-checked,
// and the server every bench talks to (--port, --token, --org, all required). Any error prints
// the bench's usage line and exits 2.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace bench {

struct Server {
  unsigned short port = 0;
  std::string token, org;
};

class Flags {
 public:
  Flags(std::string program, std::string synopsis)
      : program_(std::move(program)), synopsis_(std::move(synopsis)) {}

  [[noreturn]] void usage(const std::string& why) const {
    std::fprintf(stderr, "%s: %s\nusage: %s --port P --token T --org ORGID %s\n", program_.c_str(),
                 why.c_str(), program_.c_str(), synopsis_.c_str());
    std::exit(2);
  }

  long integer(std::string_view flag, const char* s, long lo, long hi) const {
    char* end = nullptr;
    long v = std::strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi)
      usage(fmt::format("{} expects an integer in [{}, {}], got '{}'", flag, lo, hi, s));
    return v;
  }

  // The server flags fill the result; every other pair goes to `other(name, value)`, which
  // returns false for a flag it does not know.
  template <class F>
  Server parse(int argc, char** argv, F other) const {
    Server s;
    for (int i = 1; i < argc; ++i) {
      std::string_view a = argv[i];
      if (i + 1 >= argc) usage(fmt::format("missing value for {}", a));
      const char* v = argv[++i];
      if (a == "--port")
        s.port = static_cast<unsigned short>(integer(a, v, 1, 65535));
      else if (a == "--token")
        s.token = v;
      else if (a == "--org")
        s.org = v;
      else if (!other(a, v))
        usage(fmt::format("unknown argument {}", a));
    }
    if (s.port == 0 || s.token.empty() || s.org.empty())
      usage("--port, --token and --org are required");
    return s;
  }

 private:
  std::string program_, synopsis_;
};

}  // namespace bench
