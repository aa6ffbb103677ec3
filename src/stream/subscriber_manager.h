// SubscriberManager (STREAM-010..014, SHAPE-020): per org, the streams and their routing index
// (stream/shape_routes.h). The bus publishes each event once; the manager collects the streams
// it may concern under its lock and offers the shared event after releasing it. Streams add
// themselves when they open and remove themselves when they end (cleanup on disconnect). Admission
// is capped per session, per user, per address (SEC-034, SEC-050: stream/stream_holds.h) and
// per node.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "stream/shape_routes.h"
#include "stream/subscriber.h"

namespace syncline::stream {

class SubscriberManager {
 public:
  enum class Admission { kAdmitted, kSessionFull, kUserFull, kAddressFull, kNodeFull, kStaleEpoch };
  // Registers the stream unless one of its holder's caps or the node's is full, or its offset
  // belongs to a sync epoch that has ended (then it must be answered `event: reset`).
  Admission try_add(const std::shared_ptr<Subscriber>& s, const StreamCaps& caps);
  void remove(const Subscriber* s);
  // A stream that is no subscriber (a snapshot) counts against its holder's caps too (not the
  // node's live-stream cap). Each hold is released once.
  Admission try_hold(const StreamHolder& h, const StreamCaps& caps);
  void release(const StreamHolder& h);
  void publish(const EventPtr& e);
  // A presence change to the org's streams (each decides what it may see, DESIGN §21).
  void publish_presence(const PresencePtr& p);
  // The org's presences now (keys, from the table): streams take back any other they showed.
  void keep_presences(const std::string& org_id, const std::set<std::string>& live);
  // The orgs with a stream open on this node.
  std::vector<std::string> orgs() const;
  // Live subscribers of a user (of one org, or of every org when org_id is nullopt).
  std::vector<std::shared_ptr<Subscriber>> of_user(const std::string& user_id,
                                                   const std::optional<std::string>& org_id);
  std::vector<std::shared_ptr<Subscriber>> all();
  // Whether any stream of the org is open on this node (one that opens later catches up from
  // the log by itself, so work for an org without streams can be skipped).
  bool has_org(const std::string& org_id) const;
  std::size_t size() const;
  // A new sync epoch began (the bus saw it): every stream of an older one gets `event: reset`
  // and closes, and none of an older one is admitted from now on. Atomic with try_add, so a
  // stream registering meanwhile is either refused or reset.
  void begin_epoch(std::int64_t epoch);
  // The org's log was pruned past what its streams needed: each gets `event: reset`, closes.
  void reset_org(const std::string& org_id);

 private:
  // The org's open streams, collected under the lock, offered to outside it.
  std::vector<std::shared_ptr<Subscriber>> streams_of(const std::string& org_id) const;
  struct Org {
    std::vector<std::weak_ptr<Subscriber>> streams;  // all of them (revalidation, epochs)
    ShapeRoutes routes;                              // what publish() offers to
    std::shared_ptr<std::atomic<std::int64_t>> head =
        std::make_shared<std::atomic<std::int64_t>>(0);
  };
  mutable Mutex mu_;
  std::map<std::string, Org> by_org_ SYNCLINE_GUARDED_BY(mu_);
  StreamHolds holds_
      SYNCLINE_GUARDED_BY(mu_);  // live streams and snapshots, per session, user and address
  std::size_t count_ SYNCLINE_GUARDED_BY(mu_) = 0;  // live streams
  std::int64_t epoch_ SYNCLINE_GUARDED_BY(mu_) = 0;
};

}  // namespace syncline::stream
