// What the bench asks the server between rounds: its open-stream gauge, and waiting for it to drop.
#include "server.h"

#include <fmt/format.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fanout {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// One HTTP request on a fresh or kept connection (/metrics and the flush pages).
class HttpClient {
 public:
  explicit HttpClient(Bench& b) : b_(b), stream_(b.ioc) {}

  asio::awaitable<std::optional<http::response<http::string_body>>> send(http::verb verb,
                                                                         std::string target,
                                                                         std::string body) {
    if (!connected_) {
      beast::error_code ignored;
      stream_.socket().close(ignored);
      stream_.expires_after(std::chrono::seconds(10));
      auto [ec] = co_await stream_.async_connect(b_.endpoint, kAwait);
      if (ec) {
        b_.error(fmt::format("http: connect: {}", ec.message()));
        co_return std::nullopt;
      }
      stream_.socket().set_option(tcp::no_delay(true), ignored);
      buffer_.clear();
      connected_ = true;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + b_.opt.token);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));
    auto [wec, wn] = co_await http::async_write(stream_, req, kAwait);
    (void)wn;
    if (wec) {
      b_.error(fmt::format("http: write: {}", wec.message()));
      connected_ = false;
      co_return std::nullopt;
    }
    http::response<http::string_body> res;
    auto [rec, rn] = co_await http::async_read(stream_, buffer_, res, kAwait);
    (void)rn;
    if (rec) {
      b_.error(fmt::format("http: read: {}", rec.message()));
      connected_ = false;
      co_return std::nullopt;
    }
    if (!res.keep_alive()) connected_ = false;
    co_return res;
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    connected_ = false;
  }

 private:
  Bench& b_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

// POST a page; the answer status (0 on transport error).
asio::awaitable<unsigned> create_page(Bench& b, HttpClient& http, const std::string& id) {
  auto tx = b.hlc.create_transaction_id();
  std::string body = fmt::format(
      R"({{"data":{{"id":"{}","name":"x"}},"tx":{{"transactionId":"{}","sourceId":"fan1",)"
      R"("changedField":null,"expectedTransactionId":null}}}})",
      id, tx);
  std::string target = fmt::format("/organizations/{}/pages", b.opt.org);
  auto res = co_await http.send(http::verb::post, target, body);
  if (!res) co_return 0u;
  if (res->result() != http::status::created)
    b.error(fmt::format("POST page answered {}: {}", res->result_int(), res->body()));
  co_return res->result_int();
}

}  // namespace

// The server's open-stream gauge, -1 when unavailable.
asio::awaitable<long> server_subscribers(Bench& b) {
  HttpClient http(b);
  std::string target = "/metrics";
  std::string body;
  auto res = co_await http.send(http::verb::get, target, body);
  http.close();
  if (!res || res->result() != http::status::ok) co_return -1L;
  const std::string& text = res->body();
  constexpr std::string_view kName = "\nsyncline_stream_subscribers ";
  auto p = text.find(kName);
  if (p == std::string::npos) co_return -1L;
  co_return std::strtol(text.c_str() + p + kName.size(), nullptr, 10);
}

// Waits until the server has no open stream, prodding it with a page so that reset streams
// fail their next write. False after 60 s.
asio::awaitable<bool> wait_no_subscribers(Bench& b, int round_no) {
  HttpClient http(b);
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (int attempt = 0;; ++attempt) {
    long n = co_await server_subscribers(b);
    if (n == 0) break;
    if (Clock::now() > deadline) {
      std::fprintf(stderr, "bench_fanout: server still reports %ld open stream(s)\n", n);
      http.close();
      co_return false;
    }
    std::string id = fmt::format("fanflush-{}-{}-{}", b.run_tag, round_no, attempt);
    co_await create_page(b, http, id);
    co_await sleep_for(std::chrono::milliseconds(500));
  }
  http.close();
  co_return true;
}

}  // namespace fanout
