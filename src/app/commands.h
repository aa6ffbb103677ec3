// The server binary's subcommands (issue 27 item 6): serve | cdc | all | migrate | seed |
// user create | org create | schema check|apply|typescript. Each is a Command — it adds its
// subcommand and the flag groups it takes (app/options.h), then runs once parsed and prepared.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <vector>

#include "app/options.h"

namespace syncline::app {

class Command {
 public:
  virtual ~Command() = default;
  // Its subcommand, added under `app` (or under a group of it such as `user`), with its flags.
  virtual CLI::App* add(CLI::App& app, Options& o) = 0;
  // The process' exit status; startup failures throw (main logs them and exits 1).
  virtual int run(Options& o) = 0;
};

// Every subcommand, in the order --help lists them.
std::vector<std::unique_ptr<Command>> all_commands();

}  // namespace syncline::app
