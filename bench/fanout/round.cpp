// One K round: open K streams, measure the idle floor, write and fan out, print the JSON lines.
#include "round.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "latency.h"
#include "notify_floor.h"
#include "process.h"
#include "server.h"
#include "stats.h"
#include "subscriber.h"
#include "write_floor.h"
#include "writer.h"

namespace fanout {

// GCC inlines asio's coroutine-frame operator new (aligned_alloc) into this ramp but not its
// class operator delete (which recycles the block or std::free()s it), then reports the pair as
// mismatched: a false positive that depends on this file's inlining, silenced here only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// One K round; false when it could not be measured.
asio::awaitable<bool> round_for(Bench& b, int round_no, int k) {
  b.k = k;
  b.write_index.clear();
  b.writes.clear();
  b.receipts.clear();
  b.unmatched_changes = b.foreign_changes = 0;
  b.ready = b.open_failed = b.disconnected = 0;
  b.error_reported = false;

  bool quiet = co_await wait_no_subscribers(b, round_no);
  if (!quiet) co_return false;
  co_await sleep_for(std::chrono::milliseconds(500));
  const long rss_before = rss_kib(b.opt.server_pid);

  // 0. The kernel's floor for K sends (before the streams: it needs 2 K descriptors).
  const WriteFloor wf = measure_write_floor(k, b.opt.floor_frame_bytes, 20, 1000 / b.opt.rate);
  if (!wf.error.empty()) std::fprintf(stderr, "bench_fanout: %s\n", wf.error.c_str());
  fmt::print(
      "{{\"phase\":\"write_floor\",\"k\":{},\"frame_bytes\":{},\"frames\":{},"
      "\"cpu_us_per_frame\":{:.3f}}}\n",
      k, b.opt.floor_frame_bytes, wf.frames, wf.cpu_us_per_frame);
  std::fflush(stdout);

  // 1. K streams, each up to its first `event: offset`.
  std::fprintf(stderr, "bench_fanout: opening %d streams ...\n", k);
  std::vector<std::unique_ptr<Subscriber>> subs;
  subs.reserve(static_cast<std::size_t>(k));
  for (int i = 0; i < k; ++i) subs.push_back(std::make_unique<Subscriber>(b, i));
  std::size_t next = 0;
  int openers_running = 0;
  // Every exit from here on resets the streams and waits for the openers, which refer to
  // `subs`, `next` and `openers_running`.
  auto finish = [&]() -> asio::awaitable<void> {
    next = subs.size();
    for (auto& s : subs) s->reset();
    while (openers_running > 0) co_await sleep_for(std::chrono::milliseconds(10));
    co_await sleep_for(std::chrono::milliseconds(100));  // the readers end before `subs` goes
  };
  const auto open_start = Clock::now();
  const int openers = std::min(k, b.opt.open_concurrency);
  for (int i = 0; i < openers; ++i) {
    ++openers_running;
    asio::co_spawn(b.ioc, opener(b, subs, next, openers_running), asio::detached);
  }
  const auto open_deadline = open_start + std::chrono::seconds(b.opt.open_timeout);
  while (b.ready + b.open_failed < k && Clock::now() < open_deadline)
    co_await sleep_for(std::chrono::milliseconds(20));
  const double open_s = std::chrono::duration<double>(Clock::now() - open_start).count();
  const bool open_timed_out = b.ready + b.open_failed < k;

  // 2. Idle for 2 s, then the server's memory.
  co_await sleep_for(std::chrono::seconds(2));
  const long rss_after = rss_kib(b.opt.server_pid);
  const long gauge = co_await server_subscribers(b);
  const double per_sub =
      (rss_before > 0 && rss_after > 0 && b.ready > 0)
          ? static_cast<double>(rss_after - rss_before) / static_cast<double>(b.ready)
          : -1.0;
  fmt::print(
      "{{\"phase\":\"open\",\"k\":{},\"opened\":{},\"failed\":{},\"timed_out\":{},"
      "\"open_seconds\":{:.2f},\"server_subscribers\":{},\"server_rss_before_kib\":{},"
      "\"server_rss_after_kib\":{},\"kib_per_idle_subscriber\":{:.2f},\"bench_rss_kib\":{}}}\n",
      k, b.ready, b.open_failed, open_timed_out ? "true" : "false", open_s, gauge, rss_before,
      rss_after, per_sub, rss_kib(0));
  std::fflush(stdout);
  if (b.ready == 0) {
    co_await finish();
    co_return false;
  }

  // 3. Raw floor, idle.
  FloorProbe floor(b.opt.database_url, b.opt.floor_samples, std::chrono::milliseconds(5));
  floor.start();
  while (!floor.done()) co_await sleep_for(std::chrono::milliseconds(20));
  auto fr = floor.result();
  if (!fr.error.empty()) {
    std::fprintf(stderr, "bench_fanout: %s\n", fr.error.c_str());
    co_await finish();
    co_return false;
  }
  const double floor_p50 = percentile(fr.ack_to_recv_ms, 0.50);
  const double floor_p99 = percentile(fr.ack_to_recv_ms, 0.99);
  fmt::print(
      "{{\"phase\":\"floor\",\"k\":{},\"samples\":{},\"lost\":{},\"p50_ms\":{},\"p99_ms\":{},"
      "\"max_ms\":{},\"send_to_recv_p50_ms\":{},\"send_to_recv_p99_ms\":{}}}\n",
      k, fr.ack_to_recv_ms.size(), fr.lost, num(floor_p50), num(floor_p99),
      num(maximum(fr.ack_to_recv_ms)), num(percentile(fr.send_to_recv_ms, 0.50)),
      num(percentile(fr.send_to_recv_ms, 0.99)));
  std::fflush(stdout);

  // 4. Writes at R/s for S s, the floor sampled alongside every 50 ms.
  std::fprintf(stderr, "bench_fanout: writing %d pages/s for %d s to %d streams ...\n", b.opt.rate,
               b.opt.seconds, b.ready);
  b.receipts.reserve(static_cast<std::size_t>(b.ready) * static_cast<std::size_t>(b.opt.rate) *
                     static_cast<std::size_t>(b.opt.seconds));
  FloorProbe loaded(b.opt.database_url, 0, std::chrono::milliseconds(50));
  loaded.start();
  bool writes_done = false;
  const double server_cpu0 = b.opt.server_pid > 0 ? cpu_seconds(b.opt.server_pid) : -1.0;
  const double bench_cpu0 = cpu_seconds(0);
  const auto write_start = Clock::now();
  asio::co_spawn(b.ioc, writer(b, round_no, writes_done), asio::detached);
  while (!writes_done) co_await sleep_for(std::chrono::milliseconds(10));
  const double write_s = std::chrono::duration<double>(Clock::now() - write_start).count();
  loaded.stop();
  std::size_t ok_writes = 0;
  for (const auto& w : b.writes) ok_writes += w.ok ? 1 : 0;
  // Drain: until every live subscriber has every page, or 10 s after the last response.
  const auto drain_deadline = Clock::now() + std::chrono::seconds(10);
  // Streams each write is for: all, or (--shapes N) those of its project.
  const int per_write = b.opt.shapes > 0 ? k / b.opt.shapes : k;
  auto expected = [&] {
    return static_cast<std::size_t>(b.ready - b.disconnected) * ok_writes /
           static_cast<std::size_t>(k / per_write);
  };
  while (b.receipts.size() < expected() && Clock::now() < drain_deadline)
    co_await sleep_for(std::chrono::milliseconds(10));
  co_await sleep_for(std::chrono::milliseconds(200));  // let duplicates, if any, show up
  const double server_cpu =
      b.opt.server_pid > 0 ? cpu_seconds(b.opt.server_pid) - server_cpu0 : -1.0;
  const double bench_cpu = cpu_seconds(0) - bench_cpu0;
  const double phase_s = std::chrono::duration<double>(Clock::now() - write_start).count();
  auto lfr = loaded.result();

  // 5. Figures, once on this process's clock (the brief's definition: 201 parsed -> frame
  // read, both delayed by this single event loop) and once on kernel receive timestamps
  // (201 reached the writer's socket -> frame reached the subscriber's socket).
  const auto live = static_cast<std::uint32_t>((b.ready - b.disconnected) / (k / per_write));
  const Figures user = figures(b.writes, b.receipts, live, From::response);
  const Figures wire = figures(b.writes, b.receipts, live, From::response_kernel);
  const Figures from_send = figures(b.writes, b.receipts, live, From::request);
  std::vector<double> post_ms;
  for (const auto& w : b.writes)
    if (w.ok) post_ms.push_back(ms_between(w.sent, w.responded));
  const double p99 = percentile(user.lat, 0.99);
  const double wire_p99 = percentile(wire.lat, 0.99);
  fmt::print(
      "{{\"phase\":\"fanout\",\"k\":{},\"subscribers\":{},\"disconnected\":{},\"writes\":{},"
      "\"write_errors\":{},\"write_seconds\":{:.2f},\"writes_per_s\":{:.1f},"
      "\"post_p50_ms\":{},\"post_p99_ms\":{},\"delivered\":{},\"expected\":{},"
      "\"unmatched_changes\":{},{},{},{},"
      "\"floor_p50_ms\":{},\"floor_p99_ms\":{},\"p99_minus_floor_p99_ms\":{},"
      "\"wire_p99_minus_floor_p99_ms\":{},"
      "\"loaded_floor_samples\":{},\"loaded_floor_p50_ms\":{},\"loaded_floor_p99_ms\":{},"
      "\"phase_seconds\":{:.2f},\"server_cpu_seconds\":{:.2f},\"bench_cpu_seconds\":{:.2f},"
      "\"shapes\":{},\"foreign_changes\":{},\"server_cpu_us_per_write\":{:.1f},"
      "\"server_cpu_us_per_frame\":{:.3f},\"write_floor_us_per_frame\":{:.3f}}}\n",
      k, b.ready, b.disconnected, b.writes.size(), b.writes.size() - ok_writes, write_s,
      write_s > 0 ? static_cast<double>(ok_writes) / write_s : 0.0, num(percentile(post_ms, 0.5)),
      num(percentile(post_ms, 0.99)), b.receipts.size(), expected(), b.unmatched_changes,
      figures_json("", user), figures_json("wire_", wire), figures_json("from_request_", from_send),
      num(floor_p50), num(floor_p99), num(p99 - floor_p99), num(wire_p99 - floor_p99),
      lfr.ack_to_recv_ms.size(), num(percentile(lfr.ack_to_recv_ms, 0.50)),
      num(percentile(lfr.ack_to_recv_ms, 0.99)), phase_s, server_cpu, bench_cpu, b.opt.shapes,
      b.foreign_changes, ok_writes > 0 ? server_cpu * 1e6 / static_cast<double>(ok_writes) : 0.0,
      b.receipts.empty() ? 0.0 : server_cpu * 1e6 / static_cast<double>(b.receipts.size()),
      wf.cpu_us_per_frame);
  std::fflush(stdout);

  // 6. Reset every stream; the next round waits until the server has dropped them.
  co_await finish();
  co_return ok_writes > 0 && !user.lat.empty() && !open_timed_out && b.open_failed == 0;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace fanout
