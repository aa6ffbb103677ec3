// bench_fanout: live-stream fan-out benchmark (run by scripts/bench-fanout, never in CI).
//
//   bench_fanout --port P --token T --org ORGID --database-url URL [--subscribers K[,K...]]
//                [--rate R] [--seconds S] [--server-pid PID] [--open-concurrency C]
//                [--floor-samples N] [--open-timeout SEC]
//
// For each K (default 1000): opens K raw SSE connections to
// GET /organizations/{org}/live?live=sse&offset=now and waits until every one has received its
// first `event: offset`; reads the server's VmRSS before opening and 2 s after all K are idle
// (--server-pid). Then measures the raw LISTEN/NOTIFY floor with libpq (`SELECT
// pg_notify('bench_floor', i)` in autocommit on one connection, LISTEN on another, time from
// the pg_notify result to the notification's arrival), and finally creates R pages/s for S
// seconds over HTTP while the floor is sampled again every 50 ms ("loaded floor"). Latency =
// time a subscriber read the page's `event: change` frame − time the POST's 201 arrived (both
// on this process's steady clock; negative values are kept). Every subscriber and the writer
// share one event loop, so both ends include its queueing; the `wire_` figures take both ends
// from kernel receive timestamps (SO_TIMESTAMPNS) instead, i.e. when the bytes reached the
// sockets, whatever this process was doing; the `from_request_` figures start when the POST
// was sent instead (they include the POST's own time). Between two K the
// streams are reset (RST) and the bench waits until the server's syncline_stream_subscribers
// gauge (GET /metrics) is back to 0.
//
// Prints JSON lines on stdout: {"phase":"open",...}, {"phase":"floor",...},
// {"phase":"fanout",...} per K. Progress and the first error go to stderr. Exit 2: usage or
// RLIMIT_NOFILE hard limit below K+100; 1: a phase failed.
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <cstddef>
#include <cstdio>
#include <exception>

#include "async.h"
#include "bench.h"
#include "options.h"
#include "round.h"
#include "server.h"

namespace fanout {

namespace {

asio::awaitable<void> main_flow(Bench& b, int& rc) {
  rc = 0;
  for (std::size_t i = 0; i < b.opt.ks.size(); ++i) {
    bool ok = co_await round_for(b, static_cast<int>(i), b.opt.ks[i]);
    if (!ok) rc = 1;
  }
  co_await wait_no_subscribers(b, static_cast<int>(b.opt.ks.size()));
}

void rethrow(const std::exception_ptr& e) {
  if (e) std::rethrow_exception(e);
}

// Everything but the last-resort exception report of main().
int run(int argc, char** argv) {
  Bench b(parse_args(argc, argv));
  b.endpoint = tcp::endpoint(asio::ip::address_v4::loopback(), b.opt.port);

  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    std::perror("bench_fanout: getrlimit");
    return 1;
  }
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  const int kmax = *std::max_element(b.opt.ks.begin(), b.opt.ks.end());
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < static_cast<rlim_t>(kmax) + 100) {
    std::fprintf(stderr,
                 "bench_fanout: RLIMIT_NOFILE hard limit %llu is below K+100 = %d; raise it "
                 "(ulimit -Hn) first\n",
                 static_cast<unsigned long long>(lim.rlim_max), kmax + 100);
    return 2;
  }

  int rc = 1;
  asio::co_spawn(b.ioc, main_flow(b, rc), rethrow);
  b.ioc.run();
  return rc;
}

}  // namespace

}  // namespace fanout

int main(int argc, char** argv) try {
  return fanout::run(argc, argv);
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_fanout: %s\n", e.what());
  return 1;
}
