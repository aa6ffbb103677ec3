// bench_write: HTTP write-path load generator (run by scripts/bench-write, never in CI).
//
//   bench_write --port P --token T --org ORGID [--clients N] [--seconds S]
//               [--plural pages] [--field name]
// (--plural/--field: any declared type whose only required field is a text `field`, e.g. the
// tracker schema's tasks/title, to compare a generic type with the demo's pages.)
//
// One io_context, N client coroutines, each with its own keep-alive connection and its own
// page. Set-up: every client creates its page (POST). Measurement: for S seconds every client
// sends PATCH name=v<k> with expectedTransactionId = the txId of its previous successful write,
// one request at a time. Prints one JSON line:
//   {"clients":N,"seconds":S,"mutations":M,"errors":E,"mutations_per_s":X,"p50_ms":..,"p99_ms":..}
// A non-2xx answer or a transport error counts as an error; the first one is described on stderr.
#include <fmt/format.h>

#include "flags.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "syncline/hlc.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

struct Options : bench::Server {
  int clients = 8;
  int seconds = 10;
  std::string plural = "pages";
  std::string field = "name";
};

const bench::Flags kFlags("bench_write",
                          "[--clients N] [--seconds S] [--plural pages] [--field name]");

Options parse_args(int argc, char** argv) {
  Options o;
  static_cast<bench::Server&>(o) = kFlags.parse(argc, argv, [&](std::string_view a, const char* v) {
    if (a == "--clients")
      o.clients = static_cast<int>(kFlags.integer(a, v, 1, 1000));
    else if (a == "--seconds")
      o.seconds = static_cast<int>(kFlags.integer(a, v, 1, 86400));
    else if (a == "--plural")
      o.plural = v;
    else if (a == "--field")
      o.field = v;
    else
      return false;
    return true;
  });
  return o;
}

// Page ids and HLC node ids: the client library's source ids ([A-Za-z0-9_-]).
std::string random_tag(std::size_t n) {
  return syncline::client::make_source_id().substr(0, n);
}
using syncline::client::Hlc;  // the project's own transaction-id clock

struct Shared {
  Options opt;
  tcp::endpoint endpoint;
  std::int64_t mutations = 0;
  std::int64_t errors = 0;
  bool error_reported = false;
  std::vector<double> latencies_ms;

  void error(const std::string& what) {
    ++errors;
    if (!error_reported) {
      error_reported = true;
      std::fprintf(stderr, "bench_write: first error: %s\n", what.c_str());
    }
  }
};

class Client {
 public:
  Client(Shared& s, asio::io_context& ioc, int index, const std::string& run)
      : s_(s),
        index_(index),
        hlc_(fmt::format("b{}-{}", index, run)),
        source_(fmt::format("bench{}", index)),
        id_(fmt::format("bench-{}-{}", run, index)),
        stream_(ioc) {}

  bool ready() const { return ready_; }

  // Connects and creates this client's page.
  asio::awaitable<void> setup() {
    if (!co_await connect()) co_return;
    auto tx = hlc_.create_transaction_id();
    auto body = fmt::format(
        R"({{"data":{{"id":"{}","{}":"x"}},"tx":{{"transactionId":"{}","sourceId":"{}",)"
        R"("changedField":null,"expectedTransactionId":null}}}})",
        id_, s_.opt.field, tx, source_);
    auto res = co_await send(http::verb::post,
                             fmt::format("/organizations/{}/{}", s_.opt.org, s_.opt.plural),
                             std::move(body));
    if (!res) co_return;
    if (res->result() != http::status::created) {
      s_.error(fmt::format("client {}: POST page answered {}: {}", index_, res->result_int(),
                           res->body()));
      co_return;
    }
    prev_tx_ = tx;
    ready_ = true;
  }

  // PATCHes the page until `deadline`, one request in flight at a time.
  asio::awaitable<void> run(Clock::time_point deadline) {
    const auto target = fmt::format("/organizations/{}/{}/{}", s_.opt.org, s_.opt.plural, id_);
    std::int64_t k = 0;
    while (Clock::now() < deadline) {
      auto tx = hlc_.create_transaction_id();
      auto body =
          fmt::format(R"({{"data":{{"{}":"v{}"}},"tx":{{"transactionId":"{}","sourceId":"{}",)"
                      R"("changedField":"{}","expectedTransactionId":"{}"}}}})",
                      s_.opt.field, ++k, tx, source_, s_.opt.field, prev_tx_);
      auto t0 = Clock::now();
      auto res = co_await send(http::verb::patch, target, std::move(body));
      auto dt = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (!res) {
        if (!co_await connect()) co_return;  // server gone: stop this client
        continue;
      }
      if (res->result() != http::status::ok) {
        s_.error(fmt::format("client {}: PATCH answered {}: {}", index_, res->result_int(),
                             res->body()));
        continue;
      }
      prev_tx_ = tx;
      ++s_.mutations;
      s_.latencies_ms.push_back(dt);
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

 private:
  asio::awaitable<bool> connect() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    stream_.expires_after(std::chrono::seconds(10));
    auto [ec] = co_await stream_.async_connect(s_.endpoint, kAwait);
    if (ec) {
      s_.error(fmt::format("client {}: connect: {}", index_, ec.message()));
      co_return false;
    }
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    buffer_.clear();
    co_return true;
  }

  // One request/response on the keep-alive connection; nullopt (and an error) on transport
  // failure. Reconnects lazily when the server asked to close.
  asio::awaitable<std::optional<http::response<http::string_body>>> send(http::verb verb,
                                                                         std::string target,
                                                                         std::string body) {
    if (closed_) {
      closed_ = false;
      if (!co_await connect()) co_return std::nullopt;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + s_.opt.token);
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();

    stream_.expires_after(std::chrono::seconds(30));
    if (auto [ec, n] = co_await http::async_write(stream_, req, kAwait); ec) {
      s_.error(fmt::format("client {}: write: {}", index_, ec.message()));
      closed_ = true;
      co_return std::nullopt;
    }
    http::response<http::string_body> res;
    if (auto [ec, n] = co_await http::async_read(stream_, buffer_, res, kAwait); ec) {
      s_.error(fmt::format("client {}: read: {}", index_, ec.message()));
      closed_ = true;
      co_return std::nullopt;
    }
    if (!res.keep_alive()) closed_ = true;
    co_return res;
  }

  Shared& s_;
  int index_;
  Hlc hlc_;
  std::string source_;
  std::string id_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string prev_tx_;
  bool ready_ = false;
  bool closed_ = false;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0.0;
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

void rethrow(const std::exception_ptr& e) {
  if (e) std::rethrow_exception(e);
}

}  // namespace

int main(int argc, char** argv) try {
  Shared s;
  s.opt = parse_args(argc, argv);
  s.endpoint = tcp::endpoint(asio::ip::address_v4::loopback(), s.opt.port);
  const auto run = random_tag(6);

  asio::io_context ioc(1);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < s.opt.clients; ++i) {
    clients.push_back(std::make_unique<Client>(s, ioc, i, run));
  }

  // Set-up: every client connects and creates its page.
  for (auto& c : clients) asio::co_spawn(ioc, c->setup(), rethrow);
  ioc.run();
  const auto setup_errors = s.errors;
  if (setup_errors > 0) {
    std::fprintf(stderr, "bench_write: %lld client(s) failed to set up\n",
                 static_cast<long long>(setup_errors));
    return 1;
  }

  // Measurement.
  s.latencies_ms.reserve(static_cast<std::size_t>(s.opt.clients) * s.opt.seconds * 2000);
  ioc.restart();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(s.opt.seconds);
  for (auto& c : clients) asio::co_spawn(ioc, c->run(deadline), rethrow);
  ioc.run();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  const double rate = elapsed > 0 ? static_cast<double>(s.mutations) / elapsed : 0.0;
  const double p50 = percentile(s.latencies_ms, 0.50);
  const double p99 = percentile(s.latencies_ms, 0.99);
  fmt::print(
      "{{\"clients\":{},\"seconds\":{},\"mutations\":{},\"errors\":{},\"mutations_per_s\":{:.1f},"
      "\"p50_ms\":{:.3f},\"p99_ms\":{:.3f}}}\n",
      s.opt.clients, s.opt.seconds, s.mutations, s.errors, rate, p50, p99);
  std::fflush(stdout);
  return s.mutations > 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_write: %s\n", e.what());
  return 1;
}
