// Hybrid-logical-clock transaction ids (DATA-020..026):
//   "<wall ms, 13 digits>.<logical, 4 digits>.<node id>"   e.g. 1764081234567.0003.k3J9_aQ2mB7x
// Fixed-width numeric parts make lexicographic order equal time order. The whole id is at
// most 32 characters (CON-2), so the node id has 1..13 characters of [A-Za-z0-9_-].
// This file is pure (no I/O) and shared by the server and the client SDK.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace syncline::sync {

inline constexpr std::size_t kMaxTransactionIdLength = 32;

struct TransactionId {
  std::int64_t wall_ms = 0;
  int logical = 0;  // 0..9999
  std::string node;
};

// nullopt unless `s` is exactly of the format above.
std::optional<TransactionId> parse_transaction_id(std::string_view s);
std::string format_transaction_id(const TransactionId& t);
// <0, 0, >0 like strcmp, ordering by (wall, logical, node).
int compare_transaction_ids(const TransactionId& a, const TransactionId& b);

}  // namespace syncline::sync
