#include "stream/activity_bus.h"

#include <poll.h>

#include <spdlog/spdlog.h>
#include <boost/json/parse.hpp>

#include <chrono>

#include "common/metrics.h"
#include "db/array.h"
#include "db/connection.h"
#include "stream/catch_up.h"

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

void publish_page(SubscriberManager& subs, const Page& page, std::atomic<std::int64_t>& last) {
  for (const auto& e : page.events) {
    subs.publish(e);
    if (e->id > last) last = e->id;
  }
}

// One batched query re-checks every given stream: session alive, membership, role.
void revalidate(db::Connection& c, const std::vector<std::shared_ptr<Subscriber>>& subs) {
  if (subs.empty()) return;
  std::vector<std::optional<std::string>> hashes, orgs, users;
  for (const auto& s : subs) {
    hashes.emplace_back(s->token_hash());
    orgs.emplace_back(s->org_id());
    users.emplace_back(s->user_id());
  }
  auto r = c.exec(
      "SELECT b.n,"
      " EXISTS (SELECT 1 FROM sessions s WHERE s.token_hash = decode(b.h, 'hex')"
      "         AND s.user_id = b.u AND s.expires_at > now()),"
      " (SELECT m.role FROM memberships m WHERE m.organization_id = b.o AND m.user_id = b.u),"
      " coalesce((SELECT role = 'admin' FROM users WHERE id = b.u), false)"
      " FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS b(h, o, u, n)"
      " ORDER BY b.n",
      {db::array_literal(hashes), db::array_literal(orgs), db::array_literal(users)});
  for (int i = 0; i < r.size(); ++i) {
    auto& s = subs[static_cast<std::size_t>(r.get_int(i, 0) - 1)];
    bool session_alive = r.get_bool(i, 1), system_admin = r.get_bool(i, 3);
    auto role = r.opt(i, 2);
    if (!session_alive || (!role && !system_admin)) {
      s->close_with(error_frame("forbidden"));
    } else {
      s->set_role(role);
    }
  }
}
}  // namespace

ActivityBus::ActivityBus(const Config& cfg, SubscriberManager& subscribers)
    : cfg_(cfg), subscribers_(subscribers) {}

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

void ActivityBus::session() {
  db::Connection c(cfg_.database_url, "-c statement_timeout=30s -c application_name=syncline-bus");
  c.exec("LISTEN syncline_activities");
  c.exec("LISTEN syncline_control");
  // Gap safety: everything committed while we were not listening, before anything newer.
  if (last_id_ < 0) {
    last_id_ = c.exec("SELECT coalesce(max(id), 0) FROM activities").get_int(0, 0);
  } else {
    for (;;) {
      auto page = read_page(c, "", last_id_, INT64_MAX, 500);
      publish_page(subscribers_, page, last_id_);
      if (!page.full) break;
    }
  }
  connected_ = true;
  spdlog::info("bus: listening (last activity {})", last_id_.load());
  revalidate(c, subscribers_.all());
  auto next_revalidation = Clock::now() + kRevalidateEvery;

  while (!stop_) {
    pollfd p{c.socket(), POLLIN, 0};
    poll(&p, 1, 200);
    c.consume_input();
    while (auto n = c.next_notification()) {
      boost::system::error_code ec;
      auto v = json::parse(n->payload, ec);
      if (ec || !v.is_object()) {
        spdlog::warn("bus: ignoring malformed payload on {}", n->channel);
        continue;
      }
      const auto& o = v.as_object();
      if (n->channel == "syncline_control") {
        auto user = str(o, "userId");
        std::optional<std::string> org;
        if (auto* x = o.if_contains("orgId"); x && x->is_string())
          org = std::string(x->as_string());
        revalidate(c, subscribers_.of_user(user, org));
      } else if (o.contains("fromActivityId")) {  // range doorbell
        auto org = str(o, "orgId");
        std::int64_t from = int_of(o, "fromActivityId") - 1, to = int_of(o, "toActivityId");
        for (;;) {
          auto page = read_page(c, org, from, to);
          publish_page(subscribers_, page, last_id_);
          from = page.scanned_to;
          if (!page.full) break;
        }
      } else {
        ActivityFields a;
        a.id = int_of(o, "activityId");
        a.org_id = str(o, "orgId");
        a.entity_type = str(o, "entityType");
        a.entity_id = str(o, "entityId");
        a.action = str(o, "action");
        a.created_at = str(o, "createdAt");
        a.changed_keys = o.contains("changedKeys") ? o.at("changedKeys") : json::array{};
        a.tx = o.contains("tx") ? o.at("tx") : json::value(nullptr);
        const auto* entity = o.if_contains("entity");
        if (entity && entity->is_object()) {
          a.data = entity->as_object().contains("data") ? entity->as_object().at("data") : nullptr;
          a.field_tx = entity->as_object().contains("fieldTx") ? entity->as_object().at("fieldTx")
                                                               : json::object{};
        } else if (a.action != "delete") {
          // STREAM-040..043
          auto s = read_entity(c, a.entity_type, a.org_id, a.entity_id, a.tx);
          a.data = s.data;
          a.field_tx = s.field_tx;
        }
        if (last_id_ > 0 && a.id > last_id_ + 1) {
          // An id jump: read what lies between first (usually nothing: ids of rolled-back
          // writes are skipped), so no subscriber sees a newer event before an older one.
          std::int64_t from = last_id_;
          for (;;) {
            auto page = read_page(c, "", from, a.id - 1, 500);
            publish_page(subscribers_, page, last_id_);
            from = page.scanned_to;
            if (!page.full) break;
          }
        }
        subscribers_.publish(make_event(a));
        if (a.id > last_id_) last_id_ = a.id;
      }
    }
    if (Clock::now() >= next_revalidation) {
      revalidate(c, subscribers_.all());
      next_revalidation = Clock::now() + kRevalidateEvery;
    }
  }
}

}  // namespace syncline::stream
