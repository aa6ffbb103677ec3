// Open streams counted per holder (SEC-034, SEC-050). A live stream or a snapshot is held by its
// session, its user and its client key (an address; an IPv6 /64), and each has a cap. The user's
// and the address's caps are shares of the node's stream cap, so neither a few free accounts nor
// one address can fill a node for everyone else. Not thread-safe: its owner's lock guards it.
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace syncline::stream {

struct StreamHolder {
  std::string session;  // the token's hash
  std::string user;     // the user id
  std::string address;  // http/client_address.h client_key
};

struct StreamCaps {
  std::size_t per_session = 16;
  std::size_t per_user = 2'500;
  std::size_t per_address = 5'000;
  std::size_t per_node = 20'000;  // live streams in all (snapshots have their own node cap)
  // The shares: a user an eighth of the node's cap, an address a quarter; neither below the
  // session's cap (one person's tabs), nor above the node's.
  static StreamCaps of(std::size_t per_session, std::size_t per_node);
};

class StreamHolds {
 public:
  enum class Refusal { kNone, kSession, kUser, kAddress };
  // Counts one more stream of the holder, or says which of its caps is full (counting nothing).
  Refusal take(const StreamHolder& h, const StreamCaps& caps);
  void release(const StreamHolder& h);

 private:
  std::map<std::string, std::size_t> sessions_, users_, addresses_;
};

}  // namespace syncline::stream
