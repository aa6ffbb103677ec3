// Hybrid logical clock for client transaction ids (DATA-020..026, FE-MUT-001..003).
//   "<wall ms, 13 digits>.<counter, 4 digits>.<sourceId>"  (31 characters with a 12-char id)
// Ids from one clock strictly increase, also when the wall clock goes backwards; past 9999 ids
// in one millisecond the counter borrows the next millisecond. receive() applies the HLC
// receive rule: an id seen from elsewhere that is ahead of this clock moves the clock past it,
// so causally later local writes always sort after what they saw. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include "syncline/ordered_mutex.h"

namespace syncline::client {

// A random source id: 12 characters of [A-Za-z0-9_-] (one per client process).
std::string make_source_id();

class Hlc {
 public:
  using Clock = std::function<std::int64_t()>;  // wall time in ms since the Unix epoch
  explicit Hlc(std::string source_id, Clock clock = {});

  std::string create_transaction_id();
  // Advances the clock past `transaction_id` when it is ahead; ignores malformed ids.
  void receive(std::string_view transaction_id);
  const std::string& source_id() const { return source_id_; }

 private:
  std::string source_id_;
  Clock clock_;
  OrderedMutex<8> mu_;
  std::int64_t wall_ = 0;
  int counter_ = -1;  // last counter used at wall_
};

// Total order of transaction ids (lexicographic on the fixed-width form equals time order).
// <0, 0, >0; malformed ids sort first.
int compare_transaction_ids(std::string_view a, std::string_view b);

}  // namespace syncline::client
