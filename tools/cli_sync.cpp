#include "cli_sync.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli_report.h"

using namespace syncline::client;

int run_sync(ClientOptions options, const std::string& org, int timeout_s) {
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  auto last_print = std::chrono::steady_clock::time_point{};
  options.on_progress = [&](const HydrationProgress& p) {
    if (!terminal) return;
    auto now = std::chrono::steady_clock::now();
    if (!p.done && now - last_print < std::chrono::milliseconds(100)) return;
    last_print = now;
    std::fprintf(stderr, "\rhydrating %s: %lld rows, %.1f MB%s", org.c_str(),
                 static_cast<long long>(p.rows), static_cast<double>(p.bytes) / 1e6,
                 p.done ? "\n" : "");
  };
  const auto org_id = options.org_id;
  const auto started = std::chrono::steady_clock::now();
  Client client(std::move(options));
  if (!client.start(std::chrono::seconds(timeout_s))) {
    std::cerr << "error: " << org << " was not synced within " << timeout_s
              << " s (is the server reachable? see the messages above)\n";
    return 1;
  }
  client.sync();  // what earlier runs left in the outbox goes too
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto rows = client.store().count(org_id);
  char line[160];
  std::snprintf(line, sizeof line, "synced %s: %lld rows in %.2f s", org.c_str(),
                static_cast<long long>(rows), seconds);
  print_line(std::cout, line);
  return 0;
}
