// Source-transaction visibility (SEC-020..023, STREAM-040..043). Logical decoding hands a
// transaction over as soon as its commit record is flushed: a moment before other sessions see
// it (and, with a synchronous standby, until that standby answers). A reader that saw an
// activity and then read the entity row could get the version before it. The worker therefore
// writes a batch's activities only once every source transaction in it is visible to a fresh
// snapshot; any snapshot taken later (every reader's: they read after the activity committed)
// sees it too, so no reader ever waits or retries. The decision uses facts the server owns —
// the xid from Begin and pg_current_snapshot() — never client-chosen transaction ids.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace syncline::db {
class Connection;
}

namespace syncline::cdc {

// pg_current_snapshot() as text: "xmin:xmax:xip,xip,…" (64-bit xids with epoch).
struct Snapshot {
  std::uint64_t xmin = 0;
  std::uint64_t xmax = 0;
  std::vector<std::uint64_t> in_progress;
};
std::optional<Snapshot> parse_snapshot(std::string_view text);

// The 64-bit xid nearest to `reference` whose low 32 bits are `xid` (a Begin message carries
// only those; the transaction is within 2^31 of any recent snapshot).
std::uint64_t widen_xid(std::uint32_t xid, std::uint64_t reference);

// Whether a transaction that is known to have committed is visible in the snapshot.
bool is_visible(const Snapshot& s, std::uint32_t xid);

// Blocks (on the worker's thread) until every xid is visible to a new snapshot on `c` (true),
// or until `stop` (false: write nothing; the next session replays it). In practice one query:
// the window is microseconds without a synchronous standby. Throws when the connection fails.
bool wait_until_visible(db::Connection& c, const std::vector<std::uint32_t>& xids,
                        const std::atomic<bool>& stop);

}  // namespace syncline::cdc
