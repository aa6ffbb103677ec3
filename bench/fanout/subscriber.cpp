// The raw SSE subscriber connections: request, response head, frame parsing, receipts.
#include "subscriber.h"

#include <fmt/format.h>

#include <netinet/in.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>

#include "kernel_stamps.h"

namespace fanout {

// Binds the socket to its source address when the streams are spread over several.
boost::system::error_code Subscriber::bind_source() {
  boost::system::error_code ec;
  const int n = b_.opt.source_addresses > 0 ? b_.opt.source_addresses : 1 + b_.k / 20000;
  if (n <= 1) return ec;
  sock_.open(tcp::v4(), ec);
  if (ec) return ec;
  // The port is chosen at connect(), per destination, not at bind() for any destination.
  int one = 1;
  ::setsockopt(sock_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  const auto source = asio::ip::address_v4(0x7f000002u + static_cast<unsigned>(index_ % n));
  sock_.bind(tcp::endpoint(source, 0), ec);
  return ec;
}

asio::awaitable<bool> Subscriber::open() {
  if (auto bec = bind_source()) {
    if (!closing_) b_.error(fmt::format("subscriber {}: bind: {}", index_, bec.message()));
    co_return false;
  }
  auto [ec] = co_await sock_.async_connect(b_.endpoint, kAwait);
  if (ec) {
    if (!closing_) b_.error(fmt::format("subscriber {}: connect: {}", index_, ec.message()));
    co_return false;
  }
  boost::system::error_code ignored;
  sock_.set_option(tcp::no_delay(true), ignored);
  sock_.non_blocking(true, ignored);
  enable_timestamps(sock_.native_handle());
  // --shapes: {"page":{"name":"proj-<i % N>"}}, percent-encoded.
  const std::string shape =
      b_.opt.shapes > 0 ? fmt::format("&shape=%7B%22page%22%3A%7B%22name%22%3A%22proj-{}%22%7D%7D",
                                      index_ % b_.opt.shapes)
                        : "";
  const std::string request = fmt::format(
      "GET /organizations/{}/live?live=sse&offset=now{} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer {}\r\nAccept: text/event-stream\r\n\r\n",
      b_.opt.org, shape, b_.opt.token);
  auto [wec, n] = co_await asio::async_write(sock_, asio::buffer(request), kAwait);
  (void)n;
  if (wec) {
    if (!closing_) b_.error(fmt::format("subscriber {}: write: {}", index_, wec.message()));
    co_return false;
  }
  while (!got_offset_) {
    bool ok = co_await read_once();
    if (!ok) co_return false;
  }
  co_return true;
}

asio::awaitable<void> Subscriber::run() {
  for (;;) {
    bool ok = co_await read_once();
    if (!ok) break;
  }
  if (!closing_) ++b_.disconnected;
}

void Subscriber::reset() {
  closing_ = true;
  boost::system::error_code ignored;
  if (!sock_.is_open()) return;
  sock_.set_option(asio::socket_base::linger(true, 0), ignored);
  sock_.close(ignored);
}

asio::awaitable<bool> Subscriber::read_once() {
  auto [ec] = co_await sock_.async_wait(tcp::socket::wait_read, kAwait);
  if (ec) {
    if (!closing_) b_.error(fmt::format("subscriber {}: wait: {}", index_, ec.message()));
    co_return false;
  }
  Stamp at{Clock::now()};
  for (;;) {
    long n = recv_stamped(sock_.native_handle(), b_.read_buffer.data(), b_.read_buffer.size(),
                          at.kernel_ns);
    if (n == -1) break;
    if (n <= 0) {
      if (!closing_)
        b_.error(fmt::format("subscriber {}: read: {}{}", index_,
                             n == 0 ? std::string("end of stream") : std::strerror(errno),
                             got_offset_ ? "" : " (before the first offset)"));
      co_return false;
    }
    auto len = static_cast<std::size_t>(n);
    if (!consume(std::string_view(b_.read_buffer.data(), len), at)) co_return false;
    if (len < b_.read_buffer.size()) break;
  }
  co_return true;
}

bool Subscriber::consume(std::string_view data, const Stamp& at) {
  if (!head_done_) {
    partial_.append(data);
    auto end = partial_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (partial_.size() > 16 * 1024) {
        b_.error(fmt::format("subscriber {}: response head too long", index_));
        return false;
      }
      return true;
    }
    std::string_view head(partial_.data(), end);
    if (head.rfind("HTTP/1.1 200", 0) != 0 ||
        head.find("text/event-stream") == std::string_view::npos) {
      b_.error(
          fmt::format("subscriber {}: unexpected answer: {}", index_, partial_.substr(0, 400)));
      return false;
    }
    head_done_ = true;
    std::string rest = partial_.substr(end + 4);
    partial_.clear();
    partial_.shrink_to_fit();
    return frames(rest, at);
  }
  if (partial_.empty()) return frames(data, at);
  partial_.append(data);
  std::string all = std::move(partial_);
  partial_.clear();
  return frames(all, at);
}

bool Subscriber::frames(std::string_view data, const Stamp& at) {
  std::size_t pos = 0;
  for (;;) {
    auto end = data.find("\n\n", pos);
    if (end == std::string_view::npos) break;
    if (!frame(data.substr(pos, end - pos), at)) return false;
    pos = end + 2;
  }
  partial_.assign(data.substr(pos));
  if (partial_.empty() && partial_.capacity() > 64) partial_.shrink_to_fit();
  return true;
}

bool Subscriber::frame(std::string_view f, const Stamp& at) {
  constexpr std::string_view kEvent = "event: ";
  if (f.rfind(kEvent, 0) != 0) return true;  // comment, retry:, keep-alive
  auto nl = f.find('\n');
  auto event = f.substr(kEvent.size(), nl == std::string_view::npos ? f.npos : nl - kEvent.size());
  if (event == "change") {
    constexpr std::string_view kKey = "\"entityId\":\"";
    auto p = f.find(kKey);
    if (p == std::string_view::npos) {
      ++b_.unmatched_changes;
      return true;
    }
    p += kKey.size();
    auto q = f.find('"', p);
    if (q == std::string_view::npos) {
      ++b_.unmatched_changes;
      return true;
    }
    auto it = b_.write_index.find(std::string(f.substr(p, q - p)));
    if (it == b_.write_index.end()) {
      ++b_.unmatched_changes;
      return true;
    }
    if (b_.opt.shapes > 0 && b_.writes[it->second].project != index_ % b_.opt.shapes)
      ++b_.foreign_changes;
    b_.receipts.push_back(Receipt{it->second, at});
    return true;
  }
  if (event == "offset") {
    got_offset_ = true;
    return true;
  }
  if (event == "error" || event == "reset") {
    if (!closing_) b_.error(fmt::format("subscriber {}: {}", index_, std::string(f)));
    return false;
  }
  return true;
}

asio::awaitable<void> opener(Bench& b, std::vector<std::unique_ptr<Subscriber>>& subs,
                             std::size_t& next, int& running) {
  struct Running {
    int& n;
    ~Running() { --n; }
  } guard{running};
  while (next < subs.size()) {
    Subscriber& s = *subs[next++];
    bool opened = co_await s.open();
    if (opened) {
      ++b.ready;
      asio::co_spawn(b.ioc, s.run(), asio::detached);
    } else {
      ++b.open_failed;
    }
  }
}

}  // namespace fanout
