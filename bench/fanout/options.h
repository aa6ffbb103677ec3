// Command-line options of bench_fanout and their parsing.
#pragma once

#include "../flags.h"

#include <string>
#include <vector>

namespace fanout {

struct Options : bench::Server {  // --port, --token, --org
  std::string database_url;
  std::vector<int> ks{1000};
  int rate = 20;
  int seconds = 10;
  long server_pid = 0;
  int open_concurrency = 64;
  int floor_samples = 200;
  // The write floor's frame (bench/fanout/write_floor.h): about a page's change frame.
  std::size_t floor_frame_bytes = 700;
  int open_timeout = 600;
  // 0: every stream takes the whole org. N: stream i has the shape {"page":{"name":"proj-<i%N>"}}
  // and each write goes to one project (issue 14, DESIGN §16-17).
  int shapes = 0;
  // Source addresses the streams are spread over (127.0.0.2, .3, …): past the ~28,000
  // ephemeral ports one (source, destination) pair has. 0: one per 20,000 streams; 1: the
  // kernel's choice (127.0.0.1).
  int source_addresses = 0;
};

// Parses argv; prints the usage and exits with status 2 on any error.
Options parse_args(int argc, char** argv);

}  // namespace fanout
