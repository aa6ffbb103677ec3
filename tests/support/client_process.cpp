// A client process for tests that need real separate processes (kill -9, several processes
// on one data dir). Usage: syncline_client_process PORT TOKEN ORG DIR PRIORITY
// Reads commands on stdin, answers one line each; prints "change <id> <name>" for every
// change its view is told about (its own leader stream or the leader's broadcast).
//   start MS | create ID NAME | update ID FIELD VALUE | state TX | outbox | leader | live | quit
#include <iostream>
#include <mutex>
#include <sstream>

#include "syncline/client.h"

using namespace syncline::client;

namespace {
std::mutex out_mu;
void say(const std::string& line) {
  std::lock_guard lock(out_mu);
  std::cout << line << std::endl;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: syncline_client_process PORT TOKEN ORG DIR PRIORITY\n";
    return 2;
  }
  ClientOptions o;
  o.port = static_cast<unsigned short>(std::stoi(argv[1]));
  o.token = argv[2];
  o.org_id = argv[3];
  o.data_dir = argv[4];
  o.priority = std::stoi(argv[5]);
  o.probe_interval = std::chrono::milliseconds(300);
  Client c(o);
  c.store().subscribe([](const Change& ch) {
    auto* name = ch.entity ? ch.entity->data.if_contains("name") : nullptr;
    say("change " + ch.key.entity_id + " " +
        (name && name->is_string() ? std::string(name->as_string()) : "-"));
  });
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd, a, b, v;
    in >> cmd >> a >> b >> v;
    if (cmd == "start") {
      say(std::string("started ") + (c.start(std::chrono::milliseconds(std::stoi(a))) ? "1" : "0"));
    } else if (cmd == "create") {
      say("tx " + c.create("page", {{"id", a}, {"name", b}}));
    } else if (cmd == "update") {
      say("tx " + c.update("page", a, {{b, v}}).front());
    } else if (cmd == "state") {
      auto s = c.state(a);
      say(std::string("state ") + (s ? to_string(*s) : "none"));
    } else if (cmd == "outbox") {
      say("outbox " + std::to_string(c.outbox().entries(o.org_id).size()));
    } else if (cmd == "leader") {
      say(std::string("leader ") + (c.leader() ? "1" : "0"));
    } else if (cmd == "live") {
      say(std::string("live ") + (c.live() ? "1" : "0"));
    } else if (cmd == "quit") {
      break;
    }
  }
  c.stop();
  // The lock order held for this whole run (client/README.md): else exit 3, saying so.
  if (const auto broken = lock_order::violations()) {
    std::cerr << "lock order broken " << broken << " times\n";
    return 3;
  }
  return 0;
}
