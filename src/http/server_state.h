// Internal to the http module (server.cpp, live_admission.cpp, snapshot.cpp): what every
// connection's coroutine shares, and the hop from the event loop to the worker pool and back.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <functional>
#include <memory>

#include "common/config.h"
#include "common/keyed_slots.h"
#include "db/pool.h"
#include "http/password_lane.h"
#include "http/router.h"
#include "http/snapshot.h"
#include "orgs/access_cache.h"
#include "stream/subscriber_manager.h"

namespace syncline::http {

// The answer's head and first frame on every SSE stream (a live one and an `event: reset`);
// `extra`: the router's header lines (security, CORS), each ending in CRLF.
inline std::string sse_head(std::string_view extra) {
  std::string head =
      "HTTP/1.1 200 OK\r\nServer: syncline\r\nContent-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n";
  head += extra;
  head += "\r\nretry: 2000\n\n";
  return head;
}

struct Shared {
  const Config& cfg;
  db::Pool& pool;
  const Router& router;
  boost::asio::thread_pool& workers;
  stream::SubscriberManager& subscribers;
  orgs::AccessCache* access_cache;             // null: every request asks the database
  boost::asio::thread_pool& snapshot_workers;  // one thread per admitted snapshot (http/snapshot.h)
  boost::asio::thread_pool& password_workers;  // the password lane's threads
  // Both outlive the loops: a connection's coroutine frame may hold their tickets.
  KeyedSlots& password_lane;  // PasswordLane's admission per client key
  KeyedSlots& connections;    // open connections per direct client address (SEC-050)
  SnapshotGate snapshots;
  std::atomic<bool> stopping{false};
};

// The node's stream caps: per session as configured, per user and per address their shares
// of --max-streams (SEC-050).
inline stream::StreamCaps stream_caps(const Config& cfg) {
  return stream::StreamCaps::of(cfg.max_streams_per_session, cfg.max_streams);
}
// The answer to a stream (live or snapshot) its holder's caps or the node's refuse.
Error stream_refusal(stream::SubscriberManager::Admission a);

// Runs f on the worker pool and resumes the awaiting coroutine on its own executor. f must
// not throw (wrap it); T must be movable. f is taken from the caller's named local (moved
// when the work is posted): no temporaries in the co_await, which GCC 12 may destroy twice.
template <class T>
boost::asio::awaitable<T> offload(boost::asio::thread_pool& workers, std::function<T()>& f) {
  namespace asio = boost::asio;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
      [&workers, &f](auto handler) {
        asio::post(workers, [handler = std::move(handler), fn = std::move(f)]() mutable {
          T r = fn();
          auto ex = asio::get_associated_executor(handler);
          asio::post(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
            std::move(handler)(std::move(r));
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace syncline::http
