// The README's example: keep a local cache of an organization's pages and print changes.
//   watch_pages HOST PORT TOKEN ORG_ID DATA_DIR
#include <iostream>
#include <thread>

#include "syncline/client.h"

int main(int argc, char** argv) {
  if (argc != 6) return 2;
  syncline::client::ClientOptions o{argv[1], static_cast<unsigned short>(std::stoi(argv[2])),
                                    argv[3], argv[4], argv[5]};
  syncline::client::Client client(o);
  client.store().subscribe([](const syncline::client::Change& c) {
    std::cout << c.key.entity_id << (c.entity ? " changed" : " deleted") << std::endl;
  });
  if (!client.start()) return 1;  // hydrated: the cache is current from here on
  for (const auto& page : client.store().list(o.org_id, "page"))
    std::cout << page.key.entity_id << ": " << page.data.at("name").as_string() << std::endl;
  auto tx =
      client.update("page", "home", {{"name", "Home"}});  // optimistic, confirmed by the stream
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::cout << "home: " << to_string(*client.state(tx.front())) << std::endl;
}
