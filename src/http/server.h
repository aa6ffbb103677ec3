// Server: the HTTP/1.1 front end. I/O threads run one coroutine per connection (no thread
// per connection); each parsed request is handed to a bounded worker pool where its
// handler may block on Postgres or argon2id, and the response is written back on the
// connection's loop (one io_context per I/O thread). Beast stays inside the http module (this
// file pair and the streams' admission and sinks); handlers see http/message.h only.
// Bounds (DESIGN §12, SEC-050): request bodies ≤ 1 MiB (413), a request's head within 10 s of
// its first byte, 60 s idle between requests; over --max-connections a canned 503 +
// Retry-After at accept, over a direct client address's share (a quarter, at least 16; a
// --trusted-proxy is no client) a canned 429. Shutdown: the acceptor stops, in-flight requests
// get 2 s, streams get `event: error {"code":"server_shutdown"}`. Freed memory is trimmed back
// to the OS every 5 s.
#pragma once

#include "common/config.h"
#include "db/pool.h"
#include "http/router.h"
#include "orgs/access_cache.h"
#include "stream/subscriber_manager.h"

namespace syncline::http {

// Serves until SIGINT/SIGTERM, then stops accepting, lets in-flight requests finish
// (bounded grace period) and returns. Throws on bind failure.
// access_cache: kept live by the node's ActivityBus (orgs/access_cache.h); null: no cache.
void serve(const Config& cfg, db::Pool& pool, const Router& router,
           stream::SubscriberManager& subscribers, orgs::AccessCache* access_cache = nullptr);

}  // namespace syncline::http
