// OffsetWriter (OFFLINE-OFFSET-001..006): the last applied activity id of one org, written to
// the LocalStore at most once per interval (5 s) and flushed on destruction, so a busy stream
// does not turn every message into a disk write. A crash loses at most one interval of
// position; resuming from an older offset only re-applies changes the cache already holds
// (idempotent), never skips one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include "syncline/ordered_mutex.h"

#include "syncline/local_store.h"

namespace syncline::client {

class OffsetWriter {
 public:
  OffsetWriter(LocalStore& store, std::string org_id,
               std::chrono::milliseconds interval = std::chrono::seconds(5));
  ~OffsetWriter();  // flushes
  OffsetWriter(const OffsetWriter&) = delete;
  OffsetWriter& operator=(const OffsetWriter&) = delete;

  void set(std::int64_t activity_id);
  void flush();
  std::optional<std::int64_t> latest() const;  // newest set(), written or not
  std::int64_t writes() const;

 private:
  void run();
  void write_locked();

  LocalStore& store_;
  std::string org_id_;
  std::chrono::milliseconds interval_;
  mutable OrderedMutex<6> mu_;
  std::condition_variable_any cv_;
  std::optional<std::int64_t> pending_, latest_;
  std::chrono::steady_clock::time_point last_write_{};
  std::int64_t writes_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace syncline::client
