#include "http/live_writer.h"

#include <boost/asio/post.hpp>

#include "common/metrics.h"
#include "http/live_sink.h"

namespace syncline::http {

void LiveWriter::ready(std::shared_ptr<LiveSink> sink) {
  bool post = false;
  {
    MutexLock lock(mu_);
    ready_.push_back(std::move(sink));
    post = !std::exchange(posted_, true);
  }
  if (post) boost::asio::post(ioc_, [this] { drain(); });
}

void LiveWriter::drain() {
  if (next_ >= draining_.size()) {  // the last batch is done: take what was queued since
    draining_.clear();
    next_ = 0;
    MutexLock lock(mu_);
    draining_.swap(ready_);
    if (draining_.empty()) {
      posted_ = false;
      return;
    }
  }
  // One clock read per chunk: every frame written in it left at (about) the same moment.
  const LiveSink::Pass pass;
  std::uint64_t delivered = 0;
  const std::size_t end = std::min(next_ + kChunk, draining_.size());
  for (; next_ < end; ++next_) {
    delivered += draining_[next_]->on_ready(pass);
    draining_[next_].reset();
  }
  if (delivered) count(metrics().stream_events_delivered, delivered);
  if (next_ >= draining_.size()) {
    MutexLock lock(mu_);
    if (ready_.empty()) {
      posted_ = false;
      return;
    }
  }
  // The rest after whatever else this loop has queued (requests, other orgs' work).
  boost::asio::post(ioc_, [this] { drain(); });
}

}  // namespace syncline::http
