// Pool: a bounded set of Postgres connections shared by the worker threads that run
// request handlers. acquire() blocks a worker (never an event-loop thread) until a
// connection is free; a lease whose connection broke is replaced on the next acquire.
#pragma once

#include <condition_variable>
#include <memory>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "db/connection.h"

namespace syncline::db {

class Pool;

class Lease {
 public:
  Lease(Pool& pool, std::unique_ptr<Connection> c) : pool_(&pool), c_(std::move(c)) {}
  Lease(Lease&& o) noexcept : pool_(o.pool_), c_(std::move(o.c_)) {}
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  Connection& operator*() { return *c_; }
  Connection* operator->() { return c_.get(); }

 private:
  Pool* pool_;
  std::unique_ptr<Connection> c_;
};

class Pool {
 public:
  // Request connections wait at most 5 s for a row lock and run a statement at most 30 s,
  // so one stuck transaction elsewhere cannot hold every worker thread.
  Pool(std::string url, std::size_t size,
       std::string options = "-c lock_timeout=5s -c statement_timeout=30s")
      : url_(std::move(url)), options_(std::move(options)), size_(size) {}
  // Throws DbError when a new connection cannot be opened.
  Lease acquire();
  const std::string& url() const { return url_; }

 private:
  friend class Lease;
  void release(std::unique_ptr<Connection> c);

  std::string url_;
  std::string options_;
  std::size_t size_;
  std::size_t open_ SYNCLINE_GUARDED_BY(mu_) = 0;
  std::vector<std::unique_ptr<Connection>> idle_ SYNCLINE_GUARDED_BY(mu_);
  Mutex mu_;
  std::condition_variable cv_;
};

}  // namespace syncline::db
