#include "http/live_writer.h"

#include <boost/asio/post.hpp>

#include "common/metrics.h"
#include "http/live_sink.h"

namespace syncline::http {

void LiveWriter::ready(std::shared_ptr<LiveSink> sink) {
  bool post = false;
  {
    std::lock_guard lock(mu_);
    ready_.push_back(std::move(sink));
    post = !std::exchange(posted_, true);
  }
  if (post) boost::asio::post(ioc_, [this] { drain(); });
}

void LiveWriter::drain() {
  {
    std::lock_guard lock(mu_);
    draining_.swap(ready_);
    posted_ = false;
  }
  // One clock read per pass: every frame written in it left at (about) the same moment.
  const LiveSink::Pass pass;
  std::uint64_t delivered = 0;
  for (auto& sink : draining_) delivered += sink->on_ready(pass);
  draining_.clear();
  if (delivered) count(metrics().stream_events_delivered, delivered);
}

}  // namespace syncline::http
