// syncline-cli: what really happened to a change, in one sentence (issue 12 item 8) — saved on
// the server, waiting on this machine because the server is unreachable, a conflict to resolve
// (with both values and the command), or refused (with the server's reason). Also for changes
// queued by earlier runs once a later run sends them, and for conflicts `watch` sees appear.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "syncline/client.h"

// One whole line to `out` and flushed, never interleaved with another thread's line: `watch`
// prints the stream's changes from the client's thread while the main thread reports.
void print_line(std::ostream& out, const std::string& line);

struct ChangeInfo {
  std::string verb;  // create | set | delete
  syncline::client::EntityKey key;
  std::string field;          // set only
  bool known_before = false;  // this machine had a copy of the entity when it was changed
};

std::string outcome_sentence(syncline::client::Client& client, const std::string& tx,
                             syncline::client::MutationState state, const ChangeInfo& change,
                             const std::string& org);

// The changes earlier runs left in the outbox (read before this run started the client): once
// this run reached the server and flushed, one sentence each on stderr.
void report_queued(syncline::client::Client& client,
                   const std::vector<syncline::client::OutboxEntry>& before,
                   const std::string& org);

// `watch`: each conflict once, as it appears.
class ConflictNotices {
 public:
  void poll(syncline::client::Client& client, const std::string& org);

 private:
  std::set<std::int64_t> seen_;
};
