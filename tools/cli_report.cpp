#include "cli_report.h"
#include "common/json_text.h"

#include <boost/json/serialize.hpp>
#include <iostream>
#include <mutex>

namespace json = boost::json;
using namespace syncline::client;

namespace {
std::string subject(const ChangeInfo& c) {
  return c.verb + " " + c.key.entity_type + " " + c.key.entity_id +
         (c.field.empty() ? "" : " " + c.field);
}

std::string resolve_hint(const std::string& org) {
  return "resolve it with `syncline-cli conflicts --org " + org + "`";
}

std::string conflict_clause(const Conflict& c) {
  return "the server has " + syncline::json_text(c.server) +
         ", written since this machine last saw it, " + "and yours is " +
         syncline::json_text(c.mine);
}

ChangeInfo info_of(const OutboxEntry& e) {
  return {e.kind == "update" ? "set" : e.kind, e.key, e.field, true};
}
}  // namespace

std::string outcome_sentence(Client& client, const std::string& tx, MutationState state,
                             const ChangeInfo& change, const std::string& org) {
  const std::string what = subject(change);
  switch (state) {
    case MutationState::kSent:
    case MutationState::kConfirmed:
      return what + ": saved on the server (" + tx + ").";
    case MutationState::kFailed:
      return what + ": refused by the server (" + client.failure(tx).value_or("no reason given") +
             "); nothing was changed.";
    case MutationState::kConflicted:
      for (const auto& c : client.conflicts())
        if (c.transaction_id == tx)
          return what + ": conflict — " + conflict_clause(c) + "; " + resolve_hint(org) + ".";
      return what + ": conflict with a newer change on the server; " + resolve_hint(org) + ".";
    case MutationState::kPending:
      break;
  }
  if (client.live())
    return what +
           ": sent, but no answer yet; it stays in this machine's outbox and is retried "
           "with the same id, which the server applies once (" +
           tx + ").";
  std::string s = what +
                  ": saved on this machine only — the server is unreachable, so it waits in the "
                  "outbox and goes with the next syncline-cli command that reaches it (" +
                  tx + ")";
  if (!change.known_before && change.verb != "create")
    s += "; this machine has no copy of " + change.key.entity_type + " " + change.key.entity_id +
         " yet, so if someone else changed it on the server you will get a conflict to resolve";
  return s + ".";
}

void print_line(std::ostream& out, const std::string& line) {
  static std::mutex m;
  std::lock_guard lock(m);
  out << line << '\n' << std::flush;
}

void report_queued(Client& client, const std::vector<OutboxEntry>& before, const std::string& org) {
  if (before.empty() || !client.live()) return;
  client.sync();  // what waited is sent now; then each entry's outcome is known
  for (const auto& e : before) {
    auto state = client.state(e.transaction_id).value_or(MutationState::kPending);
    if (e.state == "conflicted") state = MutationState::kConflicted;
    print_line(std::cerr, "queued earlier: " +
                              outcome_sentence(client, e.transaction_id, state, info_of(e), org));
  }
}

void ConflictNotices::poll(Client& client, const std::string& org) {
  for (const auto& c : client.conflicts()) {
    if (!seen_.insert(c.id).second) continue;
    print_line(std::cout, "conflict " + std::to_string(c.id) + ": " + c.key.entity_type + " " +
                              c.key.entity_id + (c.field.empty() ? "" : " " + c.field) + " — " +
                              conflict_clause(c) + "; " + resolve_hint(org));
  }
}
