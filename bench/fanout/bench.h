// The bench's shared state: options, the one io_context, the HLC, and one K round's records.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "async.h"
#include "options.h"
#include "records.h"
#include "syncline/hlc.h"

namespace fanout {

// Page ids and HLC node ids: the client library's source ids ([A-Za-z0-9_-]).
std::string random_tag(std::size_t n);
using syncline::client::Hlc;  // the project's own transaction-id clock

struct Bench {
  explicit Bench(Options o) : opt(std::move(o)) {}
  Options opt;
  asio::io_context ioc{1};
  tcp::endpoint endpoint;
  std::string run_tag = random_tag(6);
  Hlc hlc{"fan-" + run_tag};
  std::array<char, 16 * 1024> read_buffer{};  // shared by every subscriber: one read at a time

  // Per round.
  int k = 0;
  std::unordered_map<std::string, std::uint32_t> write_index;  // entityId -> writes[i]
  std::vector<Write> writes;
  std::vector<Receipt> receipts;
  std::uint64_t unmatched_changes = 0;
  std::uint64_t foreign_changes = 0;  // --shapes: a change of another project's page
  int ready = 0;
  int open_failed = 0;
  int disconnected = 0;
  bool error_reported = false;

  // Reports `what` on stderr if it is the round's first error.
  void error(const std::string& what);
};

}  // namespace fanout
