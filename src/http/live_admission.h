// The admission of a live stream (DESIGN §6, SEC-040), from the route's LivePlan to the socket's
// hand-over: register the subscriber within the session's and the node's caps (so live events
// buffer while it catches up), re-check its membership (a removal between the route's check
// and the registration is caught now), then hand the socket to a LiveSink (http/live_sink.h) on
// `writer`'s loop, which streams until the client goes away, the bus closes the stream
// (permissions) or the server shuts down. Internal to the http module (server.cpp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <optional>
#include <string>

#include "http/message.h"
#include "stream/live_plan.h"

namespace syncline::http {

struct Shared;
class LiveWriter;

struct LiveOutcome {
  std::optional<Response> refused;  // write this answer instead (caps: 429/503; revoked: 403)
  bool handed_over = false;         // the stream owns the socket now: do not touch it
};

// `head`: the answer's head and first frame (sse_head). An offset the log cannot continue
// from gets `event: reset` and the connection closes (STREAM-008). Never throws.
boost::asio::awaitable<LiveOutcome> admit_live_stream(boost::beast::tcp_stream& stream,
                                                      stream::LivePlan plan, Shared& s,
                                                      LiveWriter& writer, std::string head);

}  // namespace syncline::http
