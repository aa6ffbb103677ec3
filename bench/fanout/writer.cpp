// The writer: R page creations/s over hand-written HTTP/1.1, with each 201's kernel timestamp.
#include "writer.h"

#include <fmt/format.h>

#include <boost/asio/write.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "kernel_stamps.h"
#include "records.h"

namespace fanout {

namespace {

// The writer's connection: HTTP/1.1 by hand (keep-alive, Content-Length answers), so that the
// kernel receive timestamp of each answer is known.
class RawPoster {
 public:
  explicit RawPoster(Bench& b) : b_(b), sock_(b.ioc) {}

  struct Answer {
    unsigned status = 0;  // 0: transport error
    std::string body;
    std::int64_t kernel_ns = 0;
  };

  asio::awaitable<Answer> post(const std::string& target, const std::string& body) {
    Answer a;
    boost::system::error_code ignored;
    if (!sock_.is_open()) {
      auto [ec] = co_await sock_.async_connect(b_.endpoint, kAwait);
      if (ec) {
        b_.error(fmt::format("writer: connect: {}", ec.message()));
        sock_.close(ignored);
        co_return a;
      }
      sock_.set_option(tcp::no_delay(true), ignored);
      sock_.non_blocking(true, ignored);
      enable_timestamps(sock_.native_handle());
    }
    const std::string request = fmt::format(
        "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n"
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        target, b_.opt.token, body.size(), body);
    auto [wec, wn] = co_await asio::async_write(sock_, asio::buffer(request), kAwait);
    (void)wn;
    if (wec) {
      b_.error(fmt::format("writer: write: {}", wec.message()));
      sock_.close(ignored);
      co_return a;
    }
    std::string in;
    std::size_t head_end = std::string::npos, need = 0;
    bool keep_alive = true;
    unsigned status = 0;
    for (;;) {
      auto [ec] = co_await sock_.async_wait(tcp::socket::wait_read, kAwait);
      if (ec) {
        b_.error(fmt::format("writer: wait: {}", ec.message()));
        sock_.close(ignored);
        co_return a;
      }
      std::int64_t ts = 0;
      long n =
          recv_stamped(sock_.native_handle(), b_.read_buffer.data(), b_.read_buffer.size(), ts);
      if (n == -1) continue;
      if (n <= 0) {
        b_.error(fmt::format("writer: read: {}",
                             n == 0 ? std::string("connection closed") : std::strerror(errno)));
        sock_.close(ignored);
        co_return a;
      }
      if (in.empty()) a.kernel_ns = ts;
      in.append(b_.read_buffer.data(), static_cast<std::size_t>(n));
      if (head_end == std::string::npos) {
        head_end = in.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        std::string head = in.substr(0, head_end);
        for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (head.rfind("http/1.1 ", 0) != 0 || head.size() < 12) {
          b_.error(fmt::format("writer: bad answer: {}", in.substr(0, 200)));
          sock_.close(ignored);
          co_return a;
        }
        status = static_cast<unsigned>(std::strtoul(head.c_str() + 9, nullptr, 10));
        std::size_t length = 0;
        auto cl = head.find("\r\ncontent-length:");
        if (cl != std::string::npos)
          length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
        else if (head.find("chunked") != std::string::npos) {
          b_.error("writer: chunked answers are not supported");
          sock_.close(ignored);
          co_return a;
        }
        keep_alive = head.find("\r\nconnection: close") == std::string::npos;
        need = head_end + 4 + length;
      }
      if (in.size() >= need) break;
    }
    a.status = status;
    a.body = in.substr(head_end + 4, need - head_end - 4);
    if (!keep_alive) sock_.close(ignored);
    co_return a;
  }

  void close() {
    boost::system::error_code ignored;
    sock_.shutdown(tcp::socket::shutdown_both, ignored);
    sock_.close(ignored);
  }

 private:
  Bench& b_;
  tcp::socket sock_;
};

}  // namespace

asio::awaitable<void> writer(Bench& b, int round_no, bool& done) {
  RawPoster http(b);
  const std::string target = fmt::format("/organizations/{}/pages", b.opt.org);
  const int total = b.opt.rate * b.opt.seconds;
  const auto interval = std::chrono::nanoseconds(1'000'000'000LL / b.opt.rate);
  const auto start = Clock::now();
  for (int i = 0; i < total; ++i) {
    auto due = start + i * interval;
    if (Clock::now() < due) co_await sleep_for(due - Clock::now());
    std::string id = fmt::format("fan-{}-{}-{}", b.run_tag, round_no, i);
    auto idx = static_cast<std::uint32_t>(b.writes.size());
    b.write_index.emplace(id, idx);
    b.writes.push_back(Write{});
    // Spread over the projects (7919 is prime: a stride that visits every one of N projects).
    if (b.opt.shapes > 0)
      b.writes[idx].project = static_cast<int>((static_cast<long>(i) * 7919) % b.opt.shapes);
    auto tx = b.hlc.create_transaction_id();
    std::string body = fmt::format(
        R"({{"data":{{"id":"{}","name":"{}"}},"tx":{{"transactionId":"{}","sourceId":"fan1",)"
        R"("changedField":null,"expectedTransactionId":null}}}})",
        id, b.opt.shapes > 0 ? fmt::format("proj-{}", b.writes[idx].project) : "x", tx);
    b.writes[idx].sent = Clock::now();
    auto answer = co_await http.post(target, body);
    b.writes[idx].responded = Clock::now();
    b.writes[idx].responded_kernel_ns = answer.kernel_ns;
    b.writes[idx].ok = answer.status == 201;
    if (answer.status != 0 && answer.status != 201)
      b.error(fmt::format("POST page answered {}: {}", answer.status, answer.body));
  }
  http.close();
  done = true;
}

}  // namespace fanout
