// Load for failure tests (deployment, failover): threads that write until told to stop, joined
// however the test ends, and a create retried with its txId until some node answers it.
// Header-only: the tests that use it link libsyncline-client.
#pragma once

#include <atomic>
#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "syncline/api.h"

namespace syncline::test {

// Sets `stop` and joins the threads on destruction (also when an assertion returns early).
struct JoinOnExit {
  std::atomic<bool>& stop;
  std::vector<std::thread>& threads;
  ~JoinOnExit() {
    stop = true;
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }
};

// POSTs `body` (one txId) to `path` every 20 ms until 201/200 or `attempts` tries or `*stop`;
// each unanswered try counts in `retries`. Returns whether it was answered.
inline bool post_until_answered(client::Api& api, const std::string& path,
                                const boost::json::value& body, std::atomic<int>& retries,
                                const std::atomic<bool>* stop = nullptr, int attempts = 1500) {
  for (int attempt = 0; attempt < attempts && !(stop && *stop); ++attempt) {
    auto r = api.call("POST", path, body);
    if (r.status == 201 || r.status == 200) return true;
    ++retries;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace syncline::test
