// syncline-cli list|get|create|set|delete TYPE … (SCHEMA-025) over the types the server
// declares (GET /schema; offline: TYPE + "s"), and `pages`, the same verbs on `page` kept for
// the README and users' scripts (its list prints names, its create takes a name).
//   list: every row, following cursors (--limit N: at most N, saying when more follow);
//         offline, this machine's copy with its own waiting changes laid over.
//   get:  the server's row; offline, this machine's view of it.
//   create|set|delete: through the client (caught up, then sent; offline they wait in the
//         outbox of DIR/<org>), then one sentence of what happened.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cli_command.h"

struct EntityArgs {
  std::string verb;  // list | get | create | set | delete
  std::string type;
  std::string org;
  std::string id;
  std::string field, value;              // set
  std::string name;                      // pages create
  std::vector<std::string> assignments;  // create: FIELD=VALUE ...
  std::vector<std::string> where;        // list
  std::size_t limit = 0;                 // list; 0: all
  bool pages = false;                    // the `pages` shorthand
};

int run_entity_command(Env& env, const EntityArgs& a);
