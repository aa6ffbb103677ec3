#include "sync/hlc.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace syncline::sync {

namespace {
bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}
std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}
}  // namespace

std::optional<TransactionId> parse_transaction_id(std::string_view s) {
  if (s.size() > kMaxTransactionIdLength || s.size() < 20) return std::nullopt;
  if (s[13] != '.' || s[18] != '.') return std::nullopt;
  auto wall = s.substr(0, 13), logical = s.substr(14, 4), node = s.substr(19);
  if (!all_digits(wall) || !all_digits(logical) || !is_valid_id(node, 13)) return std::nullopt;
  return TransactionId{to_int(wall), static_cast<int>(to_int(logical)), std::string(node)};
}

std::string format_transaction_id(const TransactionId& t) {
  return fmt::format("{:013d}.{:04d}.{}", t.wall_ms, t.logical, t.node);
}

int compare_transaction_ids(const TransactionId& a, const TransactionId& b) {
  if (a.wall_ms != b.wall_ms) return a.wall_ms < b.wall_ms ? -1 : 1;
  if (a.logical != b.logical) return a.logical < b.logical ? -1 : 1;
  return a.node.compare(b.node) < 0 ? -1 : a.node == b.node ? 0 : 1;
}

}  // namespace syncline::sync
