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
#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "syncline/hlc.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

struct Options {
  unsigned short port = 0;
  std::string token;
  std::string org;
  std::string database_url;
  std::vector<int> ks{1000};
  int rate = 20;
  int seconds = 10;
  long server_pid = 0;
  int open_concurrency = 64;
  int floor_samples = 200;
  int open_timeout = 600;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "bench_fanout: %s\nusage: bench_fanout --port P --token T --org ORGID "
               "--database-url URL [--subscribers K[,K...]] [--rate R] [--seconds S] "
               "[--server-pid PID] [--open-concurrency C] [--floor-samples N] "
               "[--open-timeout SEC]\n",
               why.c_str());
  std::exit(2);
}

long parse_long(std::string_view flag, const char* s, long lo, long hi) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi) {
    usage(fmt::format("{} expects an integer in [{}, {}], got '{}'", flag, lo, hi, s));
  }
  return v;
}

int parse_int(std::string_view flag, const char* s, int lo, int hi) {
  return static_cast<int>(parse_long(flag, s, lo, hi));
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) usage(fmt::format("missing value for {}", a));
    const char* v = argv[++i];
    if (a == "--port") {
      o.port = static_cast<unsigned short>(parse_int(a, v, 1, 65535));
    } else if (a == "--token") {
      o.token = v;
    } else if (a == "--org") {
      o.org = v;
    } else if (a == "--database-url") {
      o.database_url = v;
    } else if (a == "--subscribers") {
      o.ks.clear();
      std::string list = v;
      std::size_t start = 0;
      while (start <= list.size()) {
        auto comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        auto item = list.substr(start, comma - start);
        o.ks.push_back(parse_int(a, item.c_str(), 1, 1000000));
        start = comma + 1;
      }
    } else if (a == "--rate") {
      o.rate = parse_int(a, v, 1, 10000);
    } else if (a == "--seconds") {
      o.seconds = parse_int(a, v, 1, 86400);
    } else if (a == "--server-pid") {
      o.server_pid = parse_long(a, v, 1, 1L << 30);
    } else if (a == "--open-concurrency") {
      o.open_concurrency = parse_int(a, v, 1, 10000);
    } else if (a == "--floor-samples") {
      o.floor_samples = parse_int(a, v, 1, 100000);
    } else if (a == "--open-timeout") {
      o.open_timeout = parse_int(a, v, 1, 86400);
    } else {
      usage(fmt::format("unknown argument {}", a));
    }
  }
  if (o.port == 0 || o.token.empty() || o.org.empty() || o.database_url.empty())
    usage("--port, --token, --org and --database-url are required");
  return o;
}

// Page ids and HLC node ids: the client library's source ids ([A-Za-z0-9_-]).
std::string random_tag(std::size_t n) {
  return syncline::client::make_source_id().substr(0, n);
}
using syncline::client::Hlc;  // the project's own transaction-id clock

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

double maximum(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
}

// VmRSS of a process in KiB, -1 when unreadable.
long rss_kib(long pid) {
  std::ifstream f(pid > 0 ? fmt::format("/proc/{}/status", pid) : std::string("/proc/self/status"));
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// CPU seconds (user + system) of a process so far, -1 when unreadable; pid 0 = this process.
double cpu_seconds(long pid) {
  if (pid <= 0) {
    rusage ru{};
    if (getrusage(RUSAGE_SELF, &ru) != 0) return -1.0;
    auto sec = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return sec(ru.ru_utime) + sec(ru.ru_stime);
  }
  std::ifstream f(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return -1.0;
  std::vector<std::string> fields;
  std::size_t pos = paren + 2;
  while (pos < stat.size()) {
    auto sp = stat.find(' ', pos);
    if (sp == std::string::npos) sp = stat.size();
    fields.push_back(stat.substr(pos, sp - pos));
    pos = sp + 1;
  }
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  if (fields.size() < 13) return -1.0;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (std::strtod(fields[11].c_str(), nullptr) + std::strtod(fields[12].c_str(), nullptr)) /
         tick;
}

// ---------------------------------------------------------------------------------------------
// Raw LISTEN/NOTIFY floor (libpq, its own thread; never touches the io_context).

struct FloorResult {
  std::vector<double> ack_to_recv_ms;   // pg_notify result arrived -> notification arrived
  std::vector<double> send_to_recv_ms;  // pg_notify sent -> notification arrived
  int lost = 0;
  std::string error;
};

class FloorProbe {
 public:
  // Takes `samples` samples (0 = until stop()), `gap` apart.
  FloorProbe(std::string url, int samples, std::chrono::milliseconds gap)
      : url_(std::move(url)), samples_(samples), gap_(gap) {}
  ~FloorProbe() {
    stop();
    if (thread_.joinable()) thread_.join();
  }
  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() { stop_ = true; }
  bool done() const { return done_; }
  FloorResult result() {
    if (thread_.joinable()) thread_.join();
    return std::move(result_);
  }

 private:
  struct Conn {
    PGconn* c = nullptr;
    ~Conn() {
      if (c) PQfinish(c);
    }
  };

  void run() {
    try {
      measure();
    } catch (const std::exception& e) {
      result_.error = e.what();
    }
    done_ = true;
  }

  static void open(Conn& conn, const std::string& url) {
    conn.c = PQconnectdb(url.c_str());
    if (PQstatus(conn.c) != CONNECTION_OK)
      throw std::runtime_error(fmt::format("floor: connect: {}", PQerrorMessage(conn.c)));
  }

  void measure() {
    Conn listener, notifier;
    open(listener, url_);
    open(notifier, url_);
    {
      PGresult* r = PQexec(listener.c, "LISTEN bench_floor");
      bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (!ok)
        throw std::runtime_error(fmt::format("floor: LISTEN: {}", PQerrorMessage(listener.c)));
    }
    std::mutex mu;
    std::condition_variable cv;
    std::unordered_map<int, Clock::time_point> received;
    std::atomic<bool> listening{true};
    std::string listen_error;
    std::thread reader([&] {
      const int fd = PQsocket(listener.c);
      while (listening) {
        pollfd p{fd, POLLIN, 0};
        int n = ::poll(&p, 1, 50);
        if (n < 0) continue;
        if (n == 0) continue;
        auto t = Clock::now();
        if (!PQconsumeInput(listener.c)) {
          std::lock_guard lock(mu);
          listen_error = PQerrorMessage(listener.c);
          cv.notify_all();
          return;
        }
        while (PGnotify* note = PQnotifies(listener.c)) {
          int i = std::atoi(note->extra);
          PQfreemem(note);
          std::lock_guard lock(mu);
          received.emplace(i, t);
          cv.notify_all();
        }
      }
    });
    struct Join {
      std::atomic<bool>& flag;
      std::thread& t;
      ~Join() {
        flag = false;
        if (t.joinable()) t.join();
      }
    } join{listening, reader};

    for (int i = 0; samples_ == 0 ? !stop_.load() : i < samples_; ++i) {
      auto payload = std::to_string(i);
      const char* params[1] = {payload.c_str()};
      auto t_send = Clock::now();
      PGresult* r = PQexecParams(notifier.c, "SELECT pg_notify('bench_floor', $1)", 1, nullptr,
                                 params, nullptr, nullptr, 0);
      auto t_ack = Clock::now();
      bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
      PQclear(r);
      if (!ok)
        throw std::runtime_error(fmt::format("floor: pg_notify: {}", PQerrorMessage(notifier.c)));
      std::unique_lock lock(mu);
      bool got = cv.wait_for(lock, std::chrono::seconds(2),
                             [&] { return received.count(i) > 0 || !listen_error.empty(); });
      if (!listen_error.empty()) throw std::runtime_error("floor: listener: " + listen_error);
      if (!got) {
        ++result_.lost;
      } else {
        auto t_recv = received[i];
        result_.ack_to_recv_ms.push_back(ms_between(t_ack, t_recv));
        result_.send_to_recv_ms.push_back(ms_between(t_send, t_recv));
      }
      lock.unlock();
      if (gap_.count() > 0) std::this_thread::sleep_for(gap_);
    }
  }

  std::string url_;
  int samples_;
  std::chrono::milliseconds gap_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  FloorResult result_;
};

// ---------------------------------------------------------------------------------------------
// Shared state of one K round.

struct Write {
  Clock::time_point sent{};
  Clock::time_point responded{};         // the bench parsed the 201
  std::int64_t responded_kernel_ns = 0;  // the 201's first bytes reached the socket
  bool ok = false;
};

// When bytes were seen: by this process (after its event loop got round to the socket) and by
// the kernel (SO_TIMESTAMPNS, CLOCK_REALTIME; 0 when absent).
struct Stamp {
  Clock::time_point at;
  std::int64_t kernel_ns = 0;
};

struct Receipt {
  std::uint32_t write;
  Stamp stamp;
};

void enable_timestamps(int fd) {
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

// recv(MSG_DONTWAIT) with the kernel receive timestamp of the data read. Returns the byte
// count, 0 at EOF, -1 when nothing is available, -2 on error (errno set).
long recv_stamped(int fd, char* buf, std::size_t len, std::int64_t& kernel_ns) {
  iovec iov{buf, len};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec)) * 2];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? -1 : -2;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      kernel_ns = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
    }
  }
  return static_cast<long>(n);
}

struct Bench {
  explicit Bench(Options o) : opt(std::move(o)) {}
  Options opt;
  asio::io_context ioc{1};
  tcp::endpoint endpoint;
  std::string run_tag = random_tag(6);
  Hlc hlc{"fan-" + run_tag};
  std::array<char, 16 * 1024> read_buffer{};  // shared by every subscriber: one read at a time

  // Per round.
  int k = 0;
  std::unordered_map<std::string, std::uint32_t> write_index;  // entityId -> writes[i]
  std::vector<Write> writes;
  std::vector<Receipt> receipts;
  std::uint64_t unmatched_changes = 0;
  int ready = 0;
  int open_failed = 0;
  int disconnected = 0;
  bool error_reported = false;

  void error(const std::string& what) {
    if (!error_reported) {
      error_reported = true;
      std::fprintf(stderr, "bench_fanout: first error: %s\n", what.c_str());
    }
  }
};

// One raw SSE connection. No per-connection read buffer: it waits for readability, then reads
// synchronously (non-blocking) into the shared buffer and keeps only an incomplete frame.
class Subscriber {
 public:
  Subscriber(Bench& b, int index) : b_(b), index_(index), sock_(b.ioc) {}

  // Connects, sends the request and reads until the first `event: offset`.
  asio::awaitable<bool> open() {
    auto [ec] = co_await sock_.async_connect(b_.endpoint, kAwait);
    if (ec) {
      if (!closing_) b_.error(fmt::format("subscriber {}: connect: {}", index_, ec.message()));
      co_return false;
    }
    boost::system::error_code ignored;
    sock_.set_option(tcp::no_delay(true), ignored);
    sock_.non_blocking(true, ignored);
    enable_timestamps(sock_.native_handle());
    const std::string request = fmt::format(
        "GET /organizations/{}/live?live=sse&offset=now HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Authorization: Bearer {}\r\nAccept: text/event-stream\r\n\r\n",
        b_.opt.org, b_.opt.token);
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

  // Reads until the connection ends.
  asio::awaitable<void> run() {
    for (;;) {
      bool ok = co_await read_once();
      if (!ok) break;
    }
    if (!closing_) ++b_.disconnected;
  }

  // Abortive close (RST), so that the server's next write fails at once.
  void reset() {
    closing_ = true;
    boost::system::error_code ignored;
    if (!sock_.is_open()) return;
    sock_.set_option(asio::socket_base::linger(true, 0), ignored);
    sock_.close(ignored);
  }

 private:
  asio::awaitable<bool> read_once() {
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

  // Feeds bytes to the head / frame parser; false when the stream must end.
  bool consume(std::string_view data, const Stamp& at) {
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

  // Handles every complete frame of `data` and keeps the incomplete tail.
  bool frames(std::string_view data, const Stamp& at) {
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

  bool frame(std::string_view f, const Stamp& at) {
    constexpr std::string_view kEvent = "event: ";
    if (f.rfind(kEvent, 0) != 0) return true;  // comment, retry:, keep-alive
    auto nl = f.find('\n');
    auto event =
        f.substr(kEvent.size(), nl == std::string_view::npos ? f.npos : nl - kEvent.size());
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

  Bench& b_;
  int index_;
  tcp::socket sock_;
  std::string partial_;
  bool head_done_ = false;
  bool got_offset_ = false;
  bool closing_ = false;
};

// One HTTP request on a fresh or kept connection (the writer and /metrics).
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

asio::awaitable<void> sleep_for(Clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(kAwait);
}

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
    auto tx = b.hlc.create_transaction_id();
    std::string body = fmt::format(
        R"({{"data":{{"id":"{}","name":"x"}},"tx":{{"transactionId":"{}","sourceId":"fan1",)"
        R"("changedField":null,"expectedTransactionId":null}}}})",
        id, tx);
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

std::string num(double v) {
  return fmt::format("{:.3f}", v);
}

// One K round; false when it could not be measured.
asio::awaitable<bool> round_for(Bench& b, int round_no, int k) {
  b.k = k;
  b.write_index.clear();
  b.writes.clear();
  b.receipts.clear();
  b.unmatched_changes = 0;
  b.ready = b.open_failed = b.disconnected = 0;
  b.error_reported = false;

  bool quiet = co_await wait_no_subscribers(b, round_no);
  if (!quiet) co_return false;
  co_await sleep_for(std::chrono::milliseconds(500));
  const long rss_before = rss_kib(b.opt.server_pid);

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
  auto expected = [&] { return static_cast<std::size_t>(b.ready - b.disconnected) * ok_writes; };
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
  const auto live = static_cast<std::uint32_t>(b.ready - b.disconnected);
  struct Figures {
    std::vector<double> lat;
    std::vector<double> last;  // per write that reached every live subscriber: the slowest
  };
  enum class From { response, response_kernel, request };
  auto figures = [&](From from) {
    const bool kernel = from == From::response_kernel;
    Figures f;
    f.lat.reserve(b.receipts.size());
    std::vector<double> slowest(b.writes.size(), -1e300);
    std::vector<std::uint32_t> per_write(b.writes.size(), 0);
    for (const auto& r : b.receipts) {
      const auto& w = b.writes[r.write];
      if (!w.ok) continue;
      if (kernel && (w.responded_kernel_ns == 0 || r.stamp.kernel_ns == 0)) continue;
      double ms = kernel ? static_cast<double>(r.stamp.kernel_ns - w.responded_kernel_ns) / 1e6
                         : ms_between(from == From::request ? w.sent : w.responded, r.stamp.at);
      f.lat.push_back(ms);
      slowest[r.write] = std::max(slowest[r.write], ms);
      ++per_write[r.write];
    }
    for (std::size_t i = 0; i < b.writes.size(); ++i)
      if (b.writes[i].ok && per_write[i] >= live) f.last.push_back(slowest[i]);
    return f;
  };
  auto json = [&](const char* prefix, const Figures& f) {
    double mn = f.lat.empty() ? 0.0 : *std::min_element(f.lat.begin(), f.lat.end());
    return fmt::format(
        "\"{0}samples\":{1},\"{0}p50_ms\":{2},\"{0}p99_ms\":{3},\"{0}max_ms\":{4},"
        "\"{0}min_ms\":{5},\"{0}last_subscriber_p50_ms\":{6},"
        "\"{0}last_subscriber_p99_ms\":{7}",
        prefix, f.lat.size(), num(percentile(f.lat, 0.50)), num(percentile(f.lat, 0.99)),
        num(maximum(f.lat)), num(mn), num(percentile(f.last, 0.50)), num(percentile(f.last, 0.99)));
  };
  const Figures user = figures(From::response);
  const Figures wire = figures(From::response_kernel);
  const Figures from_send = figures(From::request);
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
      "\"phase_seconds\":{:.2f},\"server_cpu_seconds\":{:.2f},\"bench_cpu_seconds\":{:.2f}}}\n",
      k, b.ready, b.disconnected, b.writes.size(), b.writes.size() - ok_writes, write_s,
      write_s > 0 ? static_cast<double>(ok_writes) / write_s : 0.0, num(percentile(post_ms, 0.5)),
      num(percentile(post_ms, 0.99)), b.receipts.size(), expected(), b.unmatched_changes,
      json("", user), json("wire_", wire), json("from_request_", from_send), num(floor_p50),
      num(floor_p99), num(p99 - floor_p99), num(wire_p99 - floor_p99), lfr.ack_to_recv_ms.size(),
      num(percentile(lfr.ack_to_recv_ms, 0.50)), num(percentile(lfr.ack_to_recv_ms, 0.99)), phase_s,
      server_cpu, bench_cpu);
  std::fflush(stdout);

  // 6. Reset every stream; the next round waits until the server has dropped them.
  co_await finish();
  co_return ok_writes > 0 && !user.lat.empty() && !open_timed_out && b.open_failed == 0;
}

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

}  // namespace

int main(int argc, char** argv) try {
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
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_fanout: %s\n", e.what());
  return 1;
}
