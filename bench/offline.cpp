// bench_offline: how fast the native client drains its durable outbox after reconnecting (run
// by scripts/bench-offline, never in CI).
//
//   bench_offline --port P --token T --org ORGID --data-dir DIR [--n N] [--probe-ms MS]
//
// Set-up: 2 × N/2 pages (name and description), created with syncline::client::Api.
// Baseline: N sequential single-field PATCHes with Api (one connection per call, as the client
// does), on the first N/2 pages, both fields: once straight to the server, once through the
// forwarder the client uses (the same path as the drain).
// Measured: a Client reaching the server through an in-process forwarder goes live; the
// forwarder is cut; N edits (the other N/2 pages × 2 fields: no squash) wait in the outbox; the
// forwarder is restored and the outbox is polled every 5 ms until empty. Then every page is
// read back (list endpoint) and checked. Prints one JSON line (see main).
#include <fmt/format.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "flags.h"
#include "offline_forwarder.h"
#include "syncline/api.h"
#include "syncline/client.h"
#include "syncline/hlc.h"

namespace json = boost::json;
using namespace std::chrono_literals;
using syncline::client::Api;
using syncline::client::Hlc;
using Clock = std::chrono::steady_clock;

namespace {

struct Options : bench::Server {
  std::string data_dir;
  int n = 1000;
  int probe_ms = 300;
};

const bench::Flags kFlags("bench_offline", "--data-dir DIR [--n N] [--probe-ms MS]");

Options parse_args(int argc, char** argv) {
  Options o;
  static_cast<bench::Server&>(o) = kFlags.parse(argc, argv, [&](std::string_view a, const char* v) {
    if (a == "--data-dir")
      o.data_dir = v;
    else if (a == "--n")
      o.n = static_cast<int>(kFlags.integer(a, v, 2, 1'000'000));
    else if (a == "--probe-ms")
      o.probe_ms = static_cast<int>(kFlags.integer(a, v, 10, 60'000));
    else
      return false;
    return true;
  });
  if (o.data_dir.empty()) kFlags.usage("--data-dir is required");
  if (o.n % 2 != 0) kFlags.usage("--n must be even (N/2 pages × 2 fields)");
  return o;
}

constexpr const char* kFields[2] = {"name", "description"};

struct Page {
  std::string id;
  std::string tx[2];  // the last transaction of each field
};

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string value_of(const std::string& tag, const Page& p, int f) {
  return fmt::format("{}-{}-{}", tag, kFields[f], p.id);
}

// The {data, tx} wrapper (DESIGN §4).
json::object wrap(json::object data, const std::string& tx, const std::string& source,
                  const char* field, const std::optional<std::string>& expected) {
  return {{"data", std::move(data)},
          {"tx",
           {{"transactionId", tx},
            {"sourceId", source},
            {"changedField", field ? json::value(field) : nullptr},
            {"expectedTransactionId", expected ? json::value(*expected) : nullptr}}}};
}

void expect(const syncline::client::ApiResponse& r, int status, const std::string& what) {
  if (r.status != status)
    throw std::runtime_error(fmt::format("{}: answered {} (want {}): {} {}", what, r.status, status,
                                         json::serialize(r.body), r.error));
}

Page create_page(const Api& api, Hlc& hlc, const std::string& base, std::string id) {
  Page p{std::move(id), {}};
  auto r = api.call("POST", base,
                    wrap({{"id", p.id}, {"name", "created"}, {"description", "created"}},
                         hlc.create_transaction_id(), hlc.source_id(), nullptr, std::nullopt));
  expect(r, 201, "POST page " + p.id);
  const auto& ftx = r.body.at("fieldTx").as_object();
  for (int f = 0; f < 2; ++f) p.tx[f] = std::string(ftx.at(kFields[f]).as_string());
  return p;
}

// One PATCH per field, sequential, each expecting the field's last transaction. Seconds.
double patch_all(const Api& api, Hlc& hlc, const std::string& base, std::vector<Page>& pages,
                 const std::string& tag) {
  auto t0 = Clock::now();
  for (auto& p : pages) {
    for (int f = 0; f < 2; ++f) {
      auto tx = hlc.create_transaction_id();
      auto r = api.call(
          "PATCH", base + "/" + p.id,
          wrap({{kFields[f], value_of(tag, p, f)}}, tx, hlc.source_id(), kFields[f], p.tx[f]));
      expect(r, 200, "PATCH page " + p.id);
      p.tx[f] = tx;
    }
  }
  return since(t0);
}

template <class F>
bool wait_until(F pred, std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Every page of the org as the server holds it now (list endpoint, 500 at a time).
std::map<std::string, json::object> server_pages(const Api& api, const std::string& base) {
  std::map<std::string, json::object> out;
  std::string cursor;
  for (;;) {
    auto r = api.call("GET", base + "?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor));
    expect(r, 200, "GET pages");
    for (const auto& item : r.body.at("items").as_array()) {
      const auto& d = item.at("data").as_object();
      out[std::string(d.at("id").as_string())] = d;
    }
    const auto& next = r.body.at("nextCursor");
    if (!next.is_string()) return out;
    cursor = std::string(next.as_string());
  }
}

int verify(const std::map<std::string, json::object>& server, const std::vector<Page>& pages,
           const std::string& tag) {
  int wrong = 0;
  for (const auto& p : pages) {
    auto it = server.find(p.id);
    for (int f = 0; f < 2; ++f) {
      const json::value* v = it == server.end() ? nullptr : it->second.if_contains(kFields[f]);
      if (!v || !v->is_string() || v->as_string() != value_of(tag, p, f)) ++wrong;
    }
  }
  return wrong;
}

}  // namespace

int main(int argc, char** argv) try {
  const auto o = parse_args(argc, argv);
  const auto run = syncline::client::make_source_id().substr(0, 6);
  const std::string base = "/organizations/" + o.org + "/pages";
  const auto half = static_cast<std::size_t>(o.n / 2);
  syncline::bench::Forwarder fwd(o.port);
  Api direct("127.0.0.1", o.port), via("127.0.0.1", fwd.port());
  direct.set_token(o.token);
  via.set_token(o.token);
  Hlc hlc(syncline::client::make_source_id());

  // Set-up: baseline pages and the client's pages.
  std::vector<Page> base_pages, client_pages;
  for (std::size_t i = 0; i < half; ++i) {
    base_pages.push_back(create_page(direct, hlc, base, fmt::format("ob-{}-{}", run, i)));
    client_pages.push_back(create_page(direct, hlc, base, fmt::format("oc-{}-{}", run, i)));
  }

  // Baselines: N sequential PATCHes, straight and through the (open) forwarder.
  const double base_direct_s = patch_all(direct, hlc, base, base_pages, "direct");
  const double base_fwd_s = patch_all(via, hlc, base, base_pages, "forwarded");

  // Measured: the client goes live through the forwarder, then loses it.
  syncline::client::Client c({.host = "127.0.0.1",
                              .port = fwd.port(),
                              .token = o.token,
                              .org_id = o.org,
                              .data_dir = o.data_dir,
                              .probe_interval = std::chrono::milliseconds(o.probe_ms)});
  std::atomic<int> bad{0};
  c.on_mutation([&](const std::string&, syncline::client::MutationState s) {
    if (s == syncline::client::MutationState::kFailed ||
        s == syncline::client::MutationState::kConflicted)
      ++bad;
  });
  if (!c.start() || !wait_until([&] { return c.live(); }, 30s))
    throw std::runtime_error("client did not go live");
  for (const auto& p : client_pages)
    if (!c.store().get({o.org, "page", p.id}))
      throw std::runtime_error("client cache lacks page " + p.id);
  fwd.cut();
  if (!wait_until([&] { return !c.live(); }, 30s))
    throw std::runtime_error("client did not notice the cut");

  auto t_edit = Clock::now();
  for (const auto& p : client_pages)
    c.update("page", p.id,
             {{kFields[0], value_of("offline", p, 0)}, {kFields[1], value_of("offline", p, 1)}});
  const double edit_s = since(t_edit);
  auto queued = c.outbox().entries(o.org);
  if (queued.size() != static_cast<std::size_t>(o.n))
    throw std::runtime_error(fmt::format("outbox holds {} entries, want {}", queued.size(), o.n));
  for (const auto& e : queued)
    if (e.state != "queued" || !e.offline)
      throw std::runtime_error("an outbox entry is not a queued offline edit: " + e.state);

  // Drain: restore and poll every 5 ms until the outbox is empty. The flush goes in outbox order
  // and stops at the first entry without an answer, so the first entry gone marks the reconnect
  // and the last one gone the end. Single-row look-ups keep the poll light (reading the whole
  // outbox every 5 ms took ~20 % of the drain's wall time); the whole outbox confirms the end.
  const auto first_id = queued.front().id, last_id = queued.back().id;
  const auto t_restore = Clock::now();
  std::optional<double> first_gone;
  double poll_s = 0;  // time spent reading the outbox
  fwd.restore();
  for (;;) {
    std::this_thread::sleep_for(5ms);
    auto t_poll = Clock::now();
    if (!first_gone && !c.outbox().find(first_id)) first_gone = since(t_restore);
    bool empty = first_gone && !c.outbox().find(last_id) && c.outbox().entries(o.org).empty();
    poll_s += since(t_poll);
    if (empty) break;
    if (bad > 0) throw std::runtime_error(fmt::format("{} edits failed or conflicted", bad.load()));
    if (since(t_restore) > 600) throw std::runtime_error("outbox not drained after 600 s");
  }
  const double drain_s = since(t_restore);
  c.stop();

  // Correctness: every page holds its last value on the server.
  auto server = server_pages(direct, base);
  const int wrong = verify(server, base_pages, "forwarded") +
                    verify(server, client_pages, "offline") + bad.load();
  const double n = o.n, reconnect_s = first_gone.value_or(drain_s);
  fmt::print(
      "{{\"n\":{},\"probe_ms\":{},\"baseline_direct_per_s\":{:.1f},"
      "\"baseline_forwarded_per_s\":{:.1f},\"offline_edits_per_s\":{:.1f},"
      "\"reconnect_ms\":{:.1f},\"drain_s\":{:.3f},\"drain_per_s\":{:.1f},"
      "\"drain_after_reconnect_per_s\":{:.1f},\"ratio\":{:.3f},\"ratio_forwarded\":{:.3f},"
      "\"poll_ms\":{:.1f},\"wrong\":{}}}\n",
      o.n, o.probe_ms, n / base_direct_s, n / base_fwd_s, n / edit_s, reconnect_s * 1000, drain_s,
      n / drain_s, drain_s > reconnect_s ? n / (drain_s - reconnect_s) : 0.0,
      base_direct_s / drain_s, base_fwd_s / drain_s, poll_s * 1000, wrong);
  std::fflush(stdout);
  if (wrong > 0) std::fprintf(stderr, "bench_offline: %d values wrong on the server\n", wrong);
  return wrong == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_offline: %s\n", e.what());
  return 1;
}
