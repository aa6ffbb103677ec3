// The SSE side of GET /organizations/{o}/live?live=sse up to the hand-over (live_admission.h).
// A refusal before the stream begins (caps: 429/503; revoked: 403; database: 503) is an HTTP
// answer the caller writes.
#include "http/live_admission.h"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include "common/metrics.h"
#include "http/live_sink.h"
#include "http/live_writer.h"
#include "http/server_state.h"
#include "presence/store.h"
#include "stream/presence_frame.h"
#include "stream/revalidate.h"

namespace syncline::http {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

namespace {
constexpr int kRetryAfterSeconds = 5;

// When the stream must end: a JWT's exp on the steady clock timers use; never for a session.
Clock::time_point stream_deadline(const stream::Subscriber& sub) {
  if (!sub.external()) return Clock::time_point::max();
  auto left =
      std::chrono::seconds(sub.expires_at()) - std::chrono::system_clock::now().time_since_epoch();
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(left);
}

}  // namespace

Error stream_refusal(stream::SubscriberManager::Admission a) {
  using A = stream::SubscriberManager::Admission;
  const char* whose = a == A::kSessionFull   ? "this session"
                      : a == A::kUserFull    ? "this user"
                      : a == A::kAddressFull ? "this address"
                                             : nullptr;
  if (whose)
    return too_many_requests("TOO_MANY_STREAMS",
                             std::string(whose) + " has the most streams allowed open",
                             kRetryAfterSeconds);
  return unavailable("SERVER_BUSY", "this node has the most live streams it takes",
                     kRetryAfterSeconds);
}

namespace {

// GCC 12 may destroy temporaries inside a co_await expression twice: every argument passed to
// an awaited call here is a named local.
awaitable<void> send_reset(boost::beast::tcp_stream& stream, std::chrono::seconds timeout,
                           const std::string& head) {
  const std::string bytes = head + stream::reset_frame();
  auto buffer = asio::buffer(bytes);
  stream.expires_after(timeout);
  co_await asio::async_write(stream, buffer, asio::as_tuple(use_awaitable));
  stream.expires_never();
}

bool recheck_membership(Shared& s, const std::shared_ptr<stream::Subscriber>& sub) {
  try {
    auto lease = s.pool.acquire();
    stream::revalidate(*lease, {sub});
    // DESIGN §21: a new stream starts with the current presences (registered already: a change
    // from now on reaches it through the bus).
    for (auto& p : presence::current(*lease, {sub->org_id()}))
      sub->offer_presence(stream::make_presence(std::move(p)));
    return true;
  } catch (const std::exception& e) {
    spdlog::warn("live: re-validation failed: {}", e.what());
    count(Degraded::kRevalidationFailed);
    return false;
  }
}
}  // namespace

awaitable<LiveOutcome> admit_live_stream(boost::beast::tcp_stream& stream, stream::LivePlan plan,
                                         Shared& s, LiveWriter& writer, std::string head) {
  stream.expires_never();
  const std::chrono::seconds timeout(s.cfg.stream_write_timeout_s);
  auto sink = std::make_shared<LiveSink>(s, writer);
  std::weak_ptr<LiveSink> weak = sink;
  auto sub = std::make_shared<stream::Subscriber>(plan.info, [weak] {
    if (auto k = weak.lock()) k->notify();
  });
  auto admitted = s.subscribers.try_add(sub, stream_caps(s.cfg));
  const bool stale = admitted == stream::SubscriberManager::Admission::kStaleEpoch;
  if (!stale && !plan.reset && admitted != stream::SubscriberManager::Admission::kAdmitted)
    co_return LiveOutcome{error_response(stream_refusal(admitted)), false};
  sink->attach(sub);  // from here the sink unregisters it, however it ends
  // STREAM-008: the offset predates the sync epoch, or a new epoch began since the handler ran
  // (a truncate, a recreated slot): `event: reset` and close.
  if (plan.reset || stale) {
    co_await send_reset(stream, timeout, head);
    co_return LiveOutcome{};
  }
  // Registered: from now on the bus sees every revocation. Check once more what the handler
  // checked before, so nothing revoked in between slips through.
  std::function<bool()> recheck = [&s, sub]() { return recheck_membership(s, sub); };
  if (!co_await offload<bool>(s.workers, recheck))
    co_return LiveOutcome{
        error_response(unavailable("DATABASE_UNAVAILABLE", "database unavailable", 2)), false};
  if (sub->closing())
    co_return LiveOutcome{error_response(forbidden("no longer a member of this organization")),
                          false};
  sink->start(std::move(stream), plan.cursor, stream_deadline(*sub), std::move(head));
  co_return LiveOutcome{std::nullopt, true};
}

}  // namespace syncline::http
