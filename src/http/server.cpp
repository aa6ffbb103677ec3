#include "http/server.h"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <fstream>
#include <thread>

#include "common/memory.h"
#include "common/metrics.h"
#include "common/net.h"
#include "common/strings.h"
#include "common/thread_priority.h"
#include "http/client_address.h"
#include "http/live_admission.h"
#include "http/live_writer.h"
#include "http/server_state.h"
#include "http/target.h"

namespace syncline::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

namespace {

constexpr std::size_t kBodyLimit = 1 << 20;  // DESIGN §4: 1 MiB
constexpr auto kIdleTimeout = std::chrono::seconds(60);
// Once a request's first byte is here, its whole head must follow within this (SEC-050): 40
// half-sent heads held a node capped at 40 connections for the idle minute.
constexpr auto kHeadTimeout = std::chrono::seconds(10);
// An answer sent at accept, without parsing the request: a status line and a JSON error.
std::string canned(const char* status, const char* code, const char* message) {
  const std::string body =
      std::string(R"({"error":{"code":")") + code + R"(","message":")" + message + "\"}}";
  return std::string("HTTP/1.1 ") + status +
         "\r\nServer: syncline\r\nContent-Type: application/json\r\nRetry-After: 5\r\n"
         "Connection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}
// Over the node's connection cap (SEC-034).
const std::string& node_full_response() {
  static const std::string bytes =
      canned("503 Service Unavailable", "SERVER_BUSY", "this node is at its connection limit");
  return bytes;
}
// Over the client address's share of it (SEC-050).
const std::string& address_full_response() {
  static const std::string bytes = canned("429 Too Many Requests", "TOO_MANY_CONNECTIONS",
                                          "this address holds the most connections allowed");
  return bytes;
}

// Answers at once from the accept loop (a few bytes that fit the socket buffer: never waits)
// and closes, so the client knows to come back later.
template <class Socket>  // an accepted socket: its executor type is its loop's
void refuse_at_accept(Socket& socket, const std::string& answer) {
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  asio::write(socket, asio::buffer(answer), ignored);
  socket.close(ignored);
}

// The key a direct client's connections count under (its address; IPv6 by /64), or nullopt for
// a trusted proxy, which carries many clients (nginx limits each with limit_conn).
template <class Socket>
std::optional<std::string> direct_client_key(const Socket& socket, const Config& cfg) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec) return std::nullopt;
  auto ip = parse_ip(peer.address().to_string());
  if (!ip || is_trusted_proxy(cfg, *ip)) return std::nullopt;
  return limit_key(*ip);
}

// A direct client's share of --max-connections: a quarter, at least 16 (never above it).
std::size_t connection_share(std::size_t max_connections) {
  return std::min(max_connections, std::max<std::size_t>(16, max_connections / 4));
}

// Converts Beast's request into ours; nullopt when the target is malformed.
std::optional<Request> convert(bhttp::request<bhttp::string_body>& in) {
  Request req;
  req.method = std::string(in.method_string());
  auto target = parse_target(in.target());
  if (!target) return std::nullopt;
  req.path = std::move(target->path);
  req.query = std::move(target->query);
  for (const auto& h : in) {
    auto name = to_lower(h.name_string());
    auto [it, added] = req.headers.try_emplace(name, h.value());
    // Repeated X-Forwarded-For lines are one list (RFC 9110 §5.3); other repeats: the last.
    if (!added)
      it->second = name == "x-forwarded-for" ? it->second + ", " + std::string(h.value())
                                             : std::string(h.value());
  }
  req.body = std::move(in.body());
  return req;
}

template <class Stream>
awaitable<bool> write_response(Stream& stream, const Response& resp, unsigned version,
                               bool keep_alive, bool head) {
  auto fill = [&](auto& res) {
    res.version(version);
    res.result(static_cast<unsigned>(resp.status));
    res.set(bhttp::field::server, "syncline");
    if (!resp.content_type.empty()) res.set(bhttp::field::content_type, resp.content_type);
    for (const auto& [k, v] : resp.headers) res.insert(k, v);
    res.keep_alive(keep_alive);
  };
  boost::system::error_code ec;
  if (head) {
    bhttp::response<bhttp::empty_body> res;
    fill(res);
    res.content_length(resp.body.size());
    std::tie(ec, std::ignore) =
        co_await bhttp::async_write(stream, res, asio::as_tuple(use_awaitable));
  } else {
    bhttp::response<bhttp::string_body> res;
    fill(res);
    res.body() = resp.body;
    res.prepare_payload();
    std::tie(ec, std::ignore) =
        co_await bhttp::async_write(stream, res, asio::as_tuple(use_awaitable));
  }
  co_return !ec;
}

// After refusing a request whose body is still arriving: stop sending, then read and drop
// what the client keeps sending for a short while, so that it sees our answer instead of a
// connection reset (closing with unread data makes the kernel send RST).
awaitable<void> lingering_close(beast::tcp_stream& stream) {
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(std::chrono::seconds(2));
  std::array<char, 16 * 1024> sink;
  std::size_t drained = 0;
  while (drained < 4 * kBodyLimit) {
    auto [ec, n] =
        co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(use_awaitable));
    if (ec) break;
    drained += n;
  }
}

// Routes one request on the worker pool (or the password lane) and resumes with its answer.
awaitable<Answer> answer_request(beast::tcp_stream& stream, bhttp::request<bhttp::string_body>& in,
                                 Shared& s) {
  auto req = convert(in);
  if (!req) co_return error_response(bad_request("BAD_TARGET", "malformed request target"));
  boost::system::error_code peer_ec;
  auto peer = stream.socket().remote_endpoint(peer_ec);
  if (!peer_ec) req->peer = peer.address().to_string();
  const auto started = std::chrono::steady_clock::now();
  // A named function object: GCC 12 may destroy temporaries in a co_await twice.
  std::function<Answer()> handle = [&s, &req]() {
    Context ctx(s.cfg, s.pool, *req, s.access_cache);
    return s.router.dispatch(*req, ctx);
  };
  // Sign-up and sign-in wait for argon2id on threads of their own (SEC-041): admitted or
  // refused here, at once; the ticket is held until the handler is done.
  const bool password = s.router.lane_of(*req) == Lane::kPassword;
  const std::optional<KeyedSlots::Ticket> ticket =
      password ? s.password_lane.try_enter(client_key(*req, s.cfg)) : std::nullopt;
  Answer answer;
  if (password && !ticket)
    answer = s.router.refuse(
        *req, s.cfg.cors_origins,
        too_many_requests("RATE_LIMITED", "too many sign-ins from here at once; retry shortly", 1));
  else
    answer = co_await offload<Answer>(password ? s.password_workers : s.workers, handle);
  spdlog::debug("{} {} {} {}us", req->method, req->path, head_of(answer).status,
                std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count());
  co_return answer;
}

// Counts an open connection for its whole life (the node's connection cap).
struct Counted {
  std::atomic<std::uint64_t>& n;
  ~Counted() { --n; }
};

// `place`: its client address's (none for a trusted proxy's), held for the connection's life.
awaitable<void> session(tcp::socket socket, Shared& s, LiveWriter& writer,
                        [[maybe_unused]] std::optional<KeyedSlots::Ticket> place) {
  Counted counted{metrics().http_connections};
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;  // outlives the loop: pipelined bytes carry over
  for (;;) {
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_slot;
    auto& parser = parser_slot.emplace();
    parser.body_limit(kBodyLimit);
    parser.header_limit(16 * 1024);
    boost::system::error_code ec;
    std::size_t n = 0;
    if (buffer.size() == 0) {  // idle: wait for the next request's first bytes
      stream.expires_after(kIdleTimeout);
      std::tie(ec, n) =
          co_await stream.async_read_some(buffer.prepare(16 * 1024), asio::as_tuple(use_awaitable));
      buffer.commit(n);
    }
    if (!ec) {
      stream.expires_after(kHeadTimeout);
      std::tie(ec, n) =
          co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(use_awaitable));
    }
    if (!ec && parser.get()[bhttp::field::expect] == "100-continue") {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, parser.get().version()};
      std::tie(ec, std::ignore) =
          co_await bhttp::async_write(stream, cont, asio::as_tuple(use_awaitable));
    }
    if (!ec && !parser.is_done()) {
      stream.expires_after(kIdleTimeout);  // a body (≤ 1 MiB) may take the idle minute
      std::tie(ec, n) =
          co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(use_awaitable));
    }
    if (ec) {
      Response err;
      if (ec == bhttp::error::body_limit) {
        err = error_response(
            make_error(ErrorKind::kTooLarge, "PAYLOAD_TOO_LARGE", "request body over 1 MiB"));
      } else if (&ec.category() == &bhttp::make_error_code(bhttp::error::body_limit).category()) {
        if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) break;
        err = error_response(bad_request("BAD_REQUEST", "malformed HTTP request"));
      } else {
        break;  // closed, reset or timed out: nothing to answer
      }
      co_await write_response(stream, err, 11, false, false);
      co_await lingering_close(stream);
      co_return;
    }
    auto& in = parser.get();
    bool keep_alive = in.keep_alive() && !s.stopping;
    bool head = in.method() == bhttp::verb::head;
    unsigned version = in.version();
    Answer answer = co_await answer_request(stream, in, s);
    if (auto* snapshot = std::get_if<SnapshotHandover>(&answer); snapshot && !head) {
      // A streamed answer of its own; the connection ends with it.
      parser_slot.reset();
      auto extra = header_lines(snapshot->head);
      auto plan = std::make_shared<stream::SnapshotPlan>(std::move(snapshot->plan));
      auto refused = co_await run_snapshot(stream, plan, s, version, std::move(extra));
      if (refused) co_await write_response(stream, *refused, version, false, false);
      break;
    }
    if (auto* live = std::get_if<LiveHandover>(&answer)) {
      // Server-Sent Events: the connection belongs to the stream now. It may stay open for
      // hours: the request's parser (headers, body) and the read buffer go now, not when it
      // ends (memory per idle stream, DESIGN §17). Neither is used after.
      parser_slot.reset();
      buffer = beast::flat_buffer();
      auto sse = sse_head(header_lines(live->head));
      auto plan = std::move(live->plan);
      auto outcome = co_await admit_live_stream(stream, std::move(plan), s, writer, std::move(sse));
      if (outcome.handed_over) co_return;  // the stream owns the socket (http/live_sink.h)
      if (outcome.refused) co_await write_response(stream, *outcome.refused, version, false, false);
      break;
    }
    Response& resp = head_of(answer);  // a whole answer (a HEAD of a snapshot: its head)
    if (!co_await write_response(stream, resp, version, keep_alive, head)) break;
    if (!keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// One event loop per I/O thread: a connection lives on one loop (its io_context, run by one
// thread) from accept to close, so its handlers never run concurrently and need no strand;
// the loop's LiveWriter writes its live streams in one pass (http/live_writer.h).
struct Loop {
  asio::io_context ioc{1};
  LiveWriter writer{ioc};  // destroyed first: it may hold sinks whose sockets live on ioc
};

awaitable<void> listen(tcp::acceptor& acceptor, Shared& s,
                       std::vector<std::unique_ptr<Loop>>& loops) {
  auto last_warning = std::chrono::steady_clock::time_point{};
  std::size_t next = 0;
  for (;;) {
    Loop& loop = *loops[next++ % loops.size()];
    auto [ec, socket] = co_await acceptor.async_accept(loop.ioc, asio::as_tuple(use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // Out of descriptors or memory: retrying at once would spin. Pause, warn rarely.
      auto now = std::chrono::steady_clock::now();
      if (now - last_warning > std::chrono::seconds(5)) {
        spdlog::warn("accept: {} (pausing accepts briefly)", ec.message());
        count(Degraded::kAcceptPaused);
        last_warning = now;
      }
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(use_awaitable));
      continue;
    }
    auto& open = metrics().http_connections;
    if (open.fetch_add(1) >= s.cfg.max_connections) {
      --open;
      refuse_at_accept(socket, node_full_response());
      continue;
    }
    // SEC-050: a direct client (not a trusted proxy) may hold its address's share of the
    // connections; beyond it, a canned 429 at once, like the node's 503.
    const auto key = direct_client_key(socket, s.cfg);
    std::optional<KeyedSlots::Ticket> place = key ? s.connections.try_enter(*key) : std::nullopt;
    if (key && !place) {
      --open;
      refuse_at_accept(socket, address_full_response());
      continue;
    }
    auto ex = socket.get_executor();
    asio::co_spawn(ex, session(std::move(socket), s, loop.writer, std::move(place)),
                   [](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       spdlog::error("session ended by exception: {}", ex.what());
                     }
                   });
  }
}

// Every few seconds, on a worker thread: memory freed after a burst goes back to the OS.
awaitable<void> trim_memory(asio::thread_pool& workers) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(std::chrono::seconds(5));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(use_awaitable));
    if (ec) co_return;
    asio::post(workers, [] { release_free_memory(); });
  }
}

void write_port_file(const std::string& path, unsigned short port) {
  auto tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    f << port << "\n";
  }
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace

void serve(const Config& cfg, db::Pool& pool, const Router& router,
           stream::SubscriberManager& subscribers, orgs::AccessCache* access_cache) {
  // Before the loops: their coroutine frames may hold these tickets.
  KeyedSlots password_lane(PasswordLane::kPerClient, PasswordLane::kThreads);
  KeyedSlots connections(connection_share(cfg.max_connections), cfg.max_connections);
  std::vector<std::unique_ptr<Loop>> loops;
  for (std::size_t i = 0; i < std::max<std::size_t>(cfg.io_threads, 1); ++i)
    loops.push_back(std::make_unique<Loop>());
  asio::io_context& ioc = loops.front()->ioc;  // the acceptor's, signals', timers'
  asio::thread_pool workers(cfg.db_pool_size);
  asio::thread_pool snapshot_workers(cfg.max_snapshots);
  asio::thread_pool password_workers(PasswordLane::kThreads);
  // Hashing is the lane's work: a flood of it must not take the CPU from every other route.
  lower_priority(password_workers, PasswordLane::kThreads, PasswordLane::kNice);
  Shared shared{cfg,           pool,         router,           workers,
                subscribers,   access_cache, snapshot_workers, password_workers,
                password_lane, connections};

  tcp::endpoint ep(asio::ip::make_address(cfg.listen_host), cfg.listen_port);
  tcp::acceptor acceptor(ioc);
  acceptor.open(ep.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(asio::socket_base::max_listen_connections);
  auto port = acceptor.local_endpoint().port();
  if (!cfg.port_file.empty()) write_port_file(cfg.port_file, port);
  spdlog::info("listening on http://{}:{}", cfg.listen_host, port);

  asio::co_spawn(ioc, listen(acceptor, shared, loops), asio::detached);
  asio::co_spawn(ioc, trim_memory(workers), asio::detached);

  asio::steady_timer grace(ioc);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping (draining in-flight requests)", sig);
    shared.stopping = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    for (auto& sub : subscribers.all()) sub->close_with(stream::error_frame("server_shutdown"));
    grace.expires_after(std::chrono::seconds(2));
    grace.async_wait([&](const boost::system::error_code&) {
      for (auto& loop : loops) loop->ioc.stop();
    });
  });

  // A loop with no connection yet must not return from run() before it gets one.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> busy;
  for (auto& loop : loops) busy.push_back(asio::make_work_guard(loop->ioc));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < loops.size(); ++i)
    threads.emplace_back([&loop = *loops[i]] { loop.ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  workers.join();
  snapshot_workers.join();
  password_workers.join();
  spdlog::info("stopped");
}

}  // namespace syncline::http
