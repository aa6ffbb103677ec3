// syncline: one binary, subcommands serve | cdc | all | migrate | seed | user create |
// org create | schema check|apply|typescript (src/app/commands.h). Flags override SYNCLINE_*
// environment variables. Startup errors exit non-zero with a one-line message; nothing here
// runs on the event loop.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "app/options.h"

int main(int argc, char** argv) {
  using namespace syncline::app;
  CLI::App app{"Syncline: realtime + offline sync engine for PostgreSQL"};
  app.require_subcommand(1);
  Options options;
  add_global_flags(app, options);
  auto commands = all_commands();
  std::vector<std::pair<CLI::App*, Command*>> subs;
  for (auto& c : commands) subs.emplace_back(c->add(app, options), c.get());
  CLI11_PARSE(app, argc, argv);
  try {
    if (int failed = prepare(options)) return failed;
    for (auto [sub, command] : subs)
      if (sub->parsed()) return command->run(options);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 0;
}
