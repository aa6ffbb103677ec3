// syncline-cli's subcommands (issue 27 item 6): each is a Command — its flags, and what it does
// once they are parsed. main() adds the global options to each, parses, and runs the one named.
// Env is what every command gets; an org-scoped command opens its organization with open_org.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "syncline/client.h"

struct Env {
  std::string server_url;  // as given (for messages)
  syncline::client::ServerAddress server;
  syncline::client::Api& api;  // signed in (the token kept, or --token), except for `login`
  std::string data_dir;        // DIR: the token and one cache per organization
};

class Command {
 public:
  virtual ~Command() = default;
  virtual const char* name() const = 0;
  virtual const char* help() const = 0;
  virtual void add_flags(CLI::App& cmd) = 0;
  virtual bool needs_token() const { return true; }
  // The process' exit status: 0 done, 1 failed (said on stderr), 2 a usage error.
  virtual int run(Env& env) = 0;
};

// Every subcommand, in the order --help lists them.
std::vector<std::unique_ptr<Command>> all_commands();

// One sentence on stderr: the server's error code and message, or why it could not be reached.
// Returns 1.
int fail(const Env& env, const syncline::client::ApiResponse& r);

// An organization opened for a command, named by slug or id: asked of the server, or, when it
// cannot be reached, one this machine resolved before.
struct OpenOrg {
  std::string id;
  bool answered = false;                    // the server (or its balancer) answered the lookup
  syncline::client::ClientOptions options;  // its cache: DIR/<org id>
};
// nullopt: why not was said on stderr (exit 1).
std::optional<OpenOrg> open_org(const Env& env, const std::string& org);

// The text of a JSON string (ostream << json::string would print it quoted).
std::string_view text_of(const boost::json::value& v);
