#include "stream/activity_bus.h"

#include <poll.h>

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>

#include <chrono>

#include "db/connection.h"

namespace syncline::stream {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kRevalidateEvery = std::chrono::seconds(60);

std::string str(const json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_of(const json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  return v && v->is_int64()    ? v->as_int64()
         : v && v->is_uint64() ? static_cast<std::int64_t>(v->as_uint64())
                               : 0;
}

json::value member_or(const json::object& o, const char* k, json::value fallback) {
  auto* v = o.if_contains(k);
  return v ? *v : fallback;
}
}  // namespace

ActivityBus::ActivityBus(const Config& cfg, SubscriberManager& subscribers)
    : cfg_(cfg), subscribers_(subscribers), lanes_(cfg, subscribers) {}

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
  double backoff_ms = 1000;
  while (!stop_) {
    auto started = Clock::now();
    try {
      session();
    } catch (const std::exception& e) {
      connected_ = false;
      if (Clock::now() - started > std::chrono::seconds(30)) backoff_ms = 1000;
      spdlog::warn("bus: {}; reconnecting in {} ms", e.what(), static_cast<int>(backoff_ms));
      auto until = Clock::now() + std::chrono::milliseconds(static_cast<long>(backoff_ms));
      while (!stop_ && Clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      backoff_ms = std::min(backoff_ms * 2, 30'000.0);
    }
  }
  connected_ = false;
}

void ActivityBus::read_missed(db::Connection& c, std::int64_t after, std::int64_t before) {
  auto r =
      c.exec("SELECT organization_id, max(id) FROM activities WHERE id > $1 AND id < $2 GROUP BY 1",
             {std::to_string(after), std::to_string(before)});
  for (int i = 0; i < r.size(); ++i) {
    auto upto = r.get_int(i, 1);
    lanes_.read(std::string(r.get(i, 0)), after, upto);
    if (upto > last_id_) last_id_ = upto;
  }
}

void ActivityBus::session() {
  db::Connection c(cfg_.database_url, "-c statement_timeout=30s -c application_name=syncline-bus");
  c.exec("LISTEN syncline_activities");
  c.exec("LISTEN syncline_control");
  // Gap safety: everything committed while we were not listening goes to its org's lane before
  // anything newer of that org is published.
  if (last_id_ < 0) {
    last_id_ = c.exec("SELECT coalesce(max(id), 0) FROM activities").get_int(0, 0);
  } else {
    read_missed(c, last_id_, INT64_MAX);
  }
  connected_ = true;
  spdlog::info("bus: listening (last activity {})", last_id_.load());
  lanes_.revalidate_all();
  auto next_revalidation = Clock::now() + kRevalidateEvery;

  while (!stop_) {
    pollfd p{c.socket(), POLLIN, 0};
    poll(&p, 1, 200);
    c.consume_input();
    while (auto n = c.next_notification()) {
      if (n->channel == "syncline_control") {
        boost::system::error_code ec;
        auto v = json::parse(n->payload, ec);
        if (ec || !v.is_object()) {
          spdlog::warn("bus: ignoring malformed control payload");
          continue;
        }
        const auto& o = v.as_object();
        std::optional<std::string> org;
        if (auto* x = o.if_contains("orgId"); x && x->is_string())
          org = std::string(x->as_string());
        lanes_.revalidate_user(str(o, "userId"), org);
      } else {
        on_activity(c, n->payload);
      }
    }
    if (Clock::now() >= next_revalidation) {
      lanes_.revalidate_all();
      next_revalidation = Clock::now() + kRevalidateEvery;
    }
  }
}

void ActivityBus::on_activity(db::Connection& c, const std::string& payload) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  if (ec || !v.is_object()) {
    spdlog::warn("bus: ignoring malformed activity payload");
    return;
  }
  const auto& o = v.as_object();
  auto org = str(o, "orgId");
  if (o.contains("fromActivityId")) {  // range doorbell
    std::int64_t from = int_of(o, "fromActivityId"), to = int_of(o, "toActivityId");
    lanes_.read(org, from - 1, to);
    if (to > last_id_) last_id_ = to;
    return;
  }
  ActivityFields a;
  a.id = int_of(o, "activityId");
  a.org_id = org;
  a.entity_type = str(o, "entityType");
  a.entity_id = str(o, "entityId");
  a.action = str(o, "action");
  a.created_at = str(o, "createdAt");
  a.changed_keys = member_or(o, "changedKeys", json::array{});
  a.tx = member_or(o, "tx", nullptr);
  // An id jump: what lies between (usually nothing: ids of rolled-back writes are skipped)
  // goes to its orgs' lanes first, so no subscriber sees a newer event before an older one.
  // One aggregate over the id index; no entity is read here.
  if (last_id_ > 0 && a.id > last_id_ + 1) read_missed(c, last_id_, a.id);
  const auto* entity = o.if_contains("entity");
  bool complete = a.action == "delete" || (entity && entity->is_object());
  if (entity && entity->is_object()) {
    a.data = member_or(entity->as_object(), "data", nullptr);
    a.field_tx = member_or(entity->as_object(), "fieldTx", json::object{});
  }
  if (complete) {
    lanes_.deliver(make_event(a));
  } else {
    lanes_.read(org, a.id - 1, a.id);  // STREAM-040..043: the entity comes from the log
  }
  if (a.id > last_id_) last_id_ = a.id;
}

}  // namespace syncline::stream
