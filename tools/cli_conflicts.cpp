#include "cli_conflicts.h"
#include "common/json_text.h"

#include "cli_where.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>
#include <thread>

namespace json = boost::json;
using namespace syncline::client;

MutationState settle(Client& client, const std::string& tx) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto state = client.state(tx).value_or(MutationState::kFailed);
  // Offline it waits in the outbox: nothing to wait for here.
  while (state == MutationState::kPending && client.live() &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    state = client.state(tx).value_or(MutationState::kFailed);
  }
  return state;
}

namespace {
void print(const Conflict& c) {
  std::cout << c.id << "  " << c.key.entity_type << " " << c.key.entity_id << " " << c.field
            << "\n    mine:   " << syncline::json_text(c.mine)
            << "\n    server: " << syncline::json_text(c.server) << std::endl;
}

int apply(Client& client, const Conflict& c, Resolution r, const json::value& merged) {
  auto tx = client.resolve(c.id, r, merged);
  if (!tx) {
    std::cerr << "no conflict " << c.id << "\n";
    return 1;
  }
  if (tx->empty()) {
    std::cout << "kept the server's value" << std::endl;
    return 0;
  }
  auto state = settle(client, *tx);
  std::cout << "sent " << *tx << ": " << to_string(state) << std::endl;
  return state == MutationState::kFailed ? 1 : 0;
}

}  // namespace

int run_conflicts(Client& client, const std::string& action, std::int64_t id,
                  const std::optional<std::pair<Resolution, json::value>>& choice) {
  // Caught up first, so conflicts are judged against the server's present state.
  if (!client.start(std::chrono::seconds(10)))
    std::cerr << "offline: showing the conflicts known so far\n";
  client.sync();
  auto list = client.conflicts();
  if (action == "list") {
    for (const auto& c : list) print(c);
    if (list.empty()) std::cout << "no conflicts" << std::endl;
    return 0;
  }
  if (action == "resolve") {
    if (!choice) {
      std::cerr << "resolve needs --keep-mine, --keep-server or --value V\n";
      return 2;
    }
    for (const auto& c : list)
      if (c.id == id) return apply(client, c, choice->first, choice->second);
    std::cerr << "no conflict " << id << "\n";
    return 1;
  }
  if (list.empty()) std::cout << "no conflicts" << std::endl;
  int rc = 0;
  for (const auto& c : list) {
    print(c);
    std::cout << "[m]ine, [s]erver, [e]dit a merged value, or [k] skip? " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) break;
    if (answer == "m") {
      rc |= apply(client, c, Resolution::kKeepMine, nullptr);
    } else if (answer == "s") {
      rc |= apply(client, c, Resolution::kKeepServer, nullptr);
    } else if (answer == "e") {
      std::cout << "merged value (JSON or text): " << std::flush;
      std::string text;
      if (!std::getline(std::cin, text)) break;
      rc |= apply(client, c, Resolution::kMerge, value_of(text));
    }
  }
  return rc;
}
