#include "syncline/offset_writer.h"

namespace syncline::client {

OffsetWriter::OffsetWriter(LocalStore& store, std::string org_id,
                           std::chrono::milliseconds interval)
    : store_(store), org_id_(std::move(org_id)), interval_(interval) {
  latest_ = store_.offset(org_id_);
  thread_ = std::thread([this] { run(); });
}

OffsetWriter::~OffsetWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  flush();
}

void OffsetWriter::set(std::int64_t id) {
  std::lock_guard lock(mu_);
  if (latest_ && id <= *latest_) return;  // positions only move forward
  latest_ = pending_ = id;
  if (std::chrono::steady_clock::now() - last_write_ >= interval_) write_locked();
  cv_.notify_all();
}

void OffsetWriter::flush() {
  std::lock_guard lock(mu_);
  write_locked();
}

void OffsetWriter::write_locked() {
  if (!pending_) return;
  store_.set_offset(org_id_, *pending_);
  pending_.reset();
  last_write_ = std::chrono::steady_clock::now();
  ++writes_;
}

std::optional<std::int64_t> OffsetWriter::latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

std::int64_t OffsetWriter::writes() const {
  std::lock_guard lock(mu_);
  return writes_;
}

// Writes a pending position once its interval has passed, so a quiet stream still persists
// the last message it applied.
void OffsetWriter::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (pending_) {
      auto due = last_write_ + interval_;
      if (std::chrono::steady_clock::now() >= due)
        write_locked();
      else
        cv_.wait_until(lock, due);
    } else {
      cv_.wait(lock);
    }
  }
}

}  // namespace syncline::client
