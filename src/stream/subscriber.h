// Subscriber: one open live stream, as the bus sees it. Thread-safe: the bus thread offers
// events and control verdicts; the stream's sink takes them on its event loop. The
// queue is bounded in frames and in bytes (SEC-030): a reader that falls behind loses its
// queue and is told to catch up from the database from its last sent id instead of slowing
// the bus or anyone else. Queued frames are shared with every other subscriber (never copied).
// Invariant: ids go out strictly increasing per stream (its cursor is the highest id sent or
// scanned), so a stream never repeats or skips an activity, whichever path (live, lane,
// catch-up) brought it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "entities/policy.h"
#include "entities/shape.h"
#include "stream/event.h"
#include "stream/presence_frame.h"
#include "stream/stream_holds.h"

namespace syncline::stream {

inline constexpr std::size_t kMaxQueuedEvents = 512;
inline constexpr std::size_t kMaxQueuedBytes = 4u << 20;  // 4 MiB (at least one frame fits)
// Presence frames waiting for a busy reader, one per presence (the newest): past this the
// stream is closed (`too_slow`); its client reconnects and starts from the current presences.
inline constexpr std::size_t kMaxPresenceBytes = 2u << 20;

struct SubscriberInfo {
  std::string org_id;
  entities::Actor actor;                 // user, system admin flag, role in the org
  std::string token_hash;                // the session that opened the stream
  std::string client_key;                // its client's address (IPv6: /64), for the caps
  std::set<std::string> types;           // entityTypes filter; empty = all
  std::optional<entities::Shape> shape;  // a partial subscription (DESIGN §16); none = all
  // Opened with a JWT (JWT-006): no session or membership rows to re-check; the stream ends at
  // `expires_at` (Unix seconds) with `token_expired` instead.
  bool external = false;
  std::int64_t expires_at = 0;
  std::int64_t epoch = 0;  // the sync epoch its offset was resolved in (stream/offsets.h)
  // Opened with `features=refetch` (DESIGN §18): it takes `event: refetch` markers; a stream
  // without it is reset instead (an installed client ignores events it does not know).
  bool refetch = false;
};

class Subscriber {
 public:
  // `wake` is called (from any thread) when there is something to take.
  Subscriber(SubscriberInfo info, std::function<void()> wake)
      : info_(std::move(info)), wake_(std::move(wake)) {}

  // Type filter + permission (SEC-001..005, STREAM-010..014). Safe from any thread.
  bool wants(const StreamEvent& e) const;
  // What this stream gets for `e`: nothing, `e`, or its leave (SHAPE-003): with a shape, an
  // entity in it now comes as the change and a delete as today; one not in it as a leave
  // when it may have been before (an update that touched a field the shape filters on, or
  // gone by now), else not at all (a create never leaves). Catch-up events carry the current
  // row, so a cache converges to the shape. Any thread.
  EventPtr view(const EventPtr& e) const;
  // Bus side.
  void offer(const EventPtr& e);
  // A presence change (DESIGN §21): queued in the stream's presence slot — the newest frame per
  // presence, apart from the activity queue — when the reader may see it; its leave instead
  // when the reader was shown it before and may not see it now; else nothing.
  void offer_presence(const PresencePtr& p);
  // After the node missed presence notifications (a bus reconnect): every presence this reader
  // was shown that is not among `live` (the org's, from the table) gets its leave.
  void keep_presences(const std::set<std::string>& live);
  void set_role(std::optional<std::string> role);
  void close_with(std::string final_frame);  // e.g. event: error {"code":"forbidden"}
  bool closing() const;                      // close_with() was called

  struct Taken {
    std::vector<EventPtr> events;
    bool overflowed = false;                 // queue was dropped: catch up from the database
    std::optional<std::string> final_frame;  // send it and close
    std::int64_t scanned = 0;                // highest id the bus saw for this org
    std::vector<std::shared_ptr<const std::string>> presence;  // frames, after the events
  };
  Taken take();

  const std::string& org_id() const { return info_.org_id; }
  std::string user_id() const { return info_.actor.user_id; }
  std::string token_hash() const;
  // Who holds it, for the stream caps (stream/stream_holds.h); fixed at construction.
  const StreamHolder& holder() const { return holder_; }
  // Set at construction, never changed: read without the lock.
  bool external() const { return info_.external; }
  std::int64_t expires_at() const { return info_.expires_at; }
  std::int64_t epoch() const { return info_.epoch; }
  bool takes_refetch() const { return info_.refetch; }
  const std::optional<entities::Shape>& shape() const { return info_.shape; }
  // The highest id published to the org so far, shared by the org's streams (set once by the
  // manager before the stream is visible to the bus): a stream the routing skipped still moves
  // its scanned position, so its client's offset advances past events not for it.
  void set_org_head(std::shared_ptr<const std::atomic<std::int64_t>> head) {
    org_head_ = std::move(head);
  }

 private:
  mutable Mutex mu_;
  SubscriberInfo info_;
  const StreamHolder holder_{info_.token_hash, info_.actor.user_id, info_.client_key};
  std::function<void()> wake_;
  std::vector<EventPtr> queue_
      SYNCLINE_GUARDED_BY(mu_);  // taken whole by take(); empty costs nothing (an idle stream)
  std::size_t queued_bytes_ SYNCLINE_GUARDED_BY(mu_) = 0;
  bool overflowed_ SYNCLINE_GUARDED_BY(mu_) = false;
  std::optional<std::string> final_frame_ SYNCLINE_GUARDED_BY(mu_);
  std::int64_t scanned_ SYNCLINE_GUARDED_BY(mu_) = 0;
  std::shared_ptr<const std::atomic<std::int64_t>> org_head_;
  // Presence: the frames to send (by presence key) and the presences this reader was shown.
  std::map<std::string, std::shared_ptr<const std::string>> presence_slot_ SYNCLINE_GUARDED_BY(mu_);
  std::size_t presence_bytes_ SYNCLINE_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::shared_ptr<const std::string>> presence_shown_
      SYNCLINE_GUARDED_BY(mu_);  // → its leave
  bool sees(const wire::PresenceChange& c) const SYNCLINE_REQUIRES(mu_);
  void queue_presence(const std::string& key, std::shared_ptr<const std::string> frame)
      SYNCLINE_REQUIRES(mu_);
};

}  // namespace syncline::stream
