#include "stream/activity_bus.h"

#include <poll.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <set>

#include "common/backoff.h"
#include "common/metrics.h"
#include "presence/store.h"
#include "stream/offsets.h"
#include "stream/presence_frame.h"
#include "wire/notice.h"
#include "wire/presence.h"

namespace syncline::stream {

using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kRevalidateEvery = std::chrono::seconds(60);
}  // namespace

ActivityBus::ActivityBus(const Config& cfg, SubscriberManager& subscribers,
                         orgs::AccessCache* access_cache)
    : cfg_(cfg), subscribers_(subscribers), access_cache_(access_cache), lanes_(cfg, subscribers) {}

ActivityBus::~ActivityBus() {
  stop();
}

void ActivityBus::start() {
  thread_ = std::thread([this] { run(); });
}

void ActivityBus::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ActivityBus::run() {
  Backoff backoff;  // 1 s → 30 s, ±20 %
  while (!stop_) {
    auto started = Clock::now();
    try {
      session();
    } catch (const std::exception& e) {
      connected_ = false;
      // Control notifications may be missed from now on: no cached access until we listen.
      if (access_cache_) access_cache_->set_live(false);
      if (Clock::now() - started > std::chrono::seconds(30)) backoff.reset();
      const auto delay = backoff.next();
      spdlog::warn("bus: {}; reconnecting in {} ms", e.what(), delay.count());
      count(Degraded::kBusReconnect);
      auto until = Clock::now() + delay;
      while (!stop_ && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  connected_ = false;
  if (access_cache_) access_cache_->set_live(false);
}

void ActivityBus::replay_range(db::Connection& c, std::int64_t after, std::int64_t before) {
  auto r =
      c.exec("SELECT organization_id, max(id) FROM activities WHERE id > $1 AND id < $2 GROUP BY 1",
             {std::to_string(after), std::to_string(before)});
  for (int i = 0; i < r.size(); ++i) {
    auto upto = r.get_int(i, 1);
    lanes_.read(std::string(r.get(i, 0)), after, upto);
    if (upto > last_id_) last_id_ = upto;
  }
}

void ActivityBus::listen(db::Connection& c) {
  for (const char* channel :
       {wire::kActivityChannel, wire::kControlChannel, wire::kEpochChannel, wire::kPresenceChannel})
    c.exec(std::string("LISTEN ") + channel);
  // From here every control notification reaches us: cached access may be kept again.
  if (access_cache_) access_cache_->set_live(true);
  // A new epoch begun while we were not listening resets the streams of the older one.
  subscribers_.begin_epoch(current_epoch(c));
  // Gap safety: everything committed while we were not listening goes to its org's lane before
  // anything newer of that org is published.
  if (last_id_ < 0) {
    last_id_ = c.exec("SELECT coalesce(max(id), 0) FROM activities").get_int(0, 0);
  } else {
    replay_range(c, last_id_, INT64_MAX);
  }
  rebuild_presence(c);
  connected_ = true;
  spdlog::info("bus: listening (last activity {})", last_id_.load());
  lanes_.revalidate_all();
}

// Presence is rebuilt from its table (DESIGN §21): what joined or changed while the node was not
// listening reaches its streams as joins or updates, and what left meanwhile as leaves.
void ActivityBus::rebuild_presence(db::Connection& c) {
  const auto orgs = subscribers_.orgs();
  std::map<std::string, std::set<std::string>> live;
  for (const auto& org : orgs) live[org];
  for (auto& p : presence::current(c, orgs)) {
    live[p.org_id].insert(p.key());
    subscribers_.publish_presence(make_presence(std::move(p)));
  }
  for (const auto& [org, keys] : live) subscribers_.keep_presences(org, keys);
}

void ActivityBus::session() {
  db::Connection c(cfg_.database_url, "-c statement_timeout=30s -c application_name=syncline:bus");
  listen(c);
  auto next_revalidation = Clock::now() + kRevalidateEvery;
  while (!stop_) {
    pollfd p{c.socket(), POLLIN, 0};
    poll(&p, 1, 200);
    c.consume_input();
    while (auto n = c.next_notification()) decode(c, *n);
    if (Clock::now() >= next_revalidation) {
      lanes_.revalidate_all();
      next_revalidation = Clock::now() + kRevalidateEvery;
    }
  }
}

void ActivityBus::decode(db::Connection& c, const db::Connection::Notification& n) {
  if (n.channel == wire::kEpochChannel) {  // the slot was recreated or a table truncated
    auto epoch = current_epoch(c);
    spdlog::info("bus: sync epoch {} began: resetting the streams of older ones", epoch);
    subscribers_.begin_epoch(epoch);
  } else if (n.channel == wire::kPresenceChannel) {
    if (auto changes = wire::decode_presence(n.payload)) {
      for (auto& p : *changes) subscribers_.publish_presence(make_presence(std::move(p)));
    } else {
      spdlog::warn("bus: ignoring malformed presence payload");
      count(Degraded::kBusMalformed);
    }
  } else if (n.channel == wire::kControlChannel) {
    if (auto control = wire::decode_control(n.payload)) {
      if (access_cache_) access_cache_->invalidate_user(control->user_id, control->org_id);
      lanes_.revalidate_user(control->user_id, control->org_id);
    } else {
      spdlog::warn("bus: ignoring malformed control payload");
      count(Degraded::kBusMalformed);
    }
  } else {
    on_activity(c, n.payload);
  }
}

void ActivityBus::on_activity(db::Connection& c, const std::string& payload) {
  auto notice = wire::decode_activity(payload);
  if (!notice) {
    spdlog::warn("bus: ignoring malformed activity payload");
    count(Degraded::kBusMalformed);
    return;
  }
  if (auto* bell = std::get_if<wire::DoorbellNotice>(&*notice)) {  // range doorbell
    lanes_.read(bell->org_id, bell->from - 1, bell->to);
    if (bell->to > last_id_) last_id_ = bell->to;
    return;
  }
  auto& n = std::get<wire::Activity>(*notice);
  const auto id = n.id;
  // An id jump: what lies between (usually nothing: ids of rolled-back writes are skipped)
  // goes to its orgs' lanes first, so no subscriber sees a newer event before an older one.
  // One aggregate over the id index; no entity is read here.
  if (last_id_ > 0 && id > last_id_ + 1) replay_range(c, last_id_, id);
  if (n.complete()) {
    lanes_.deliver(make_event(std::move(n)));
  } else {
    lanes_.read(n.org_id, id - 1, id);  // STREAM-040..043: the entity comes from the log
  }
  if (id > last_id_) last_id_ = id;
}

}  // namespace syncline::stream
