// The server binary's options (issue 27 item 6): the Config they fill and the raw values that
// need checking first. Flags override SYNCLINE_* environment variables. Each subcommand adds
// the groups it takes (app/commands.cpp); prepare() checks and installs what they name once
// parsed (log level, --listen, --db-schema, the schema file, proxies, the ops token, CORS
// origins, JWT keys), before any subcommand runs.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "auth/jwks_source.h"
#include "auth/jwt.h"
#include "common/config.h"

namespace syncline::app {

struct Options {
  Config cfg;
  std::string db_schema;
  std::string listen;  // HOST:PORT
  std::vector<std::string> trusted_proxies;
  std::string ops_token_file;
  std::string local_accounts = "on";
  auth::JwtSettings jwt;
  std::string schema_file;
  // Set by prepare(): refreshes JWT keys from --jwt-jwks-url until the process exits.
  std::unique_ptr<auth::JwksSource> jwks_source;
};

void add_global_flags(CLI::App& app, Options& o);
void add_serve_flags(CLI::App& sub, Options& o);  // the API's
void add_cdc_flags(CLI::App& sub, Options& o);    // the worker's (serve: the slot's name)
void add_schema_flag(CLI::App& sub, Options& o);

// 0, or 1 with the reason logged: nothing runs on a bad option.
int prepare(Options& o);

}  // namespace syncline::app
