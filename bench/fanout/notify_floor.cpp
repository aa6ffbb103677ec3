// The raw LISTEN/NOTIFY floor: pg_notify on one libpq connection, timed arrival on a LISTENer.
#include "notify_floor.h"

#include <fmt/format.h>
#include <poll.h>

#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "clock.h"
#include "stats.h"

namespace fanout {

void FloorProbe::run() {
  try {
    measure();
  } catch (const std::exception& e) {
    result_.error = e.what();
  }
  done_ = true;
}

void FloorProbe::open(Conn& conn, const std::string& url) {
  conn.c = PQconnectdb(url.c_str());
  if (PQstatus(conn.c) != CONNECTION_OK)
    throw std::runtime_error(fmt::format("floor: connect: {}", PQerrorMessage(conn.c)));
}

void FloorProbe::measure() {
  Conn listener, notifier;
  open(listener, url_);
  open(notifier, url_);
  {
    PGresult* r = PQexec(listener.c, "LISTEN bench_floor");
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) throw std::runtime_error(fmt::format("floor: LISTEN: {}", PQerrorMessage(listener.c)));
  }
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<int, Clock::time_point> received;
  std::atomic<bool> listening{true};
  std::string listen_error;
  std::thread reader([&] {
    const int fd = PQsocket(listener.c);
    while (listening) {
      pollfd p{fd, POLLIN, 0};
      int n = ::poll(&p, 1, 50);
      if (n < 0) continue;
      if (n == 0) continue;
      auto t = Clock::now();
      if (!PQconsumeInput(listener.c)) {
        std::lock_guard lock(mu);
        listen_error = PQerrorMessage(listener.c);
        cv.notify_all();
        return;
      }
      while (PGnotify* note = PQnotifies(listener.c)) {
        int i = std::atoi(note->extra);
        PQfreemem(note);
        std::lock_guard lock(mu);
        received.emplace(i, t);
        cv.notify_all();
      }
    }
  });
  struct Join {
    std::atomic<bool>& flag;
    std::thread& t;
    ~Join() {
      flag = false;
      if (t.joinable()) t.join();
    }
  } join{listening, reader};

  for (int i = 0; samples_ == 0 ? !stop_.load() : i < samples_; ++i) {
    auto payload = std::to_string(i);
    const char* params[1] = {payload.c_str()};
    auto t_send = Clock::now();
    PGresult* r = PQexecParams(notifier.c, "SELECT pg_notify('bench_floor', $1)", 1, nullptr,
                               params, nullptr, nullptr, 0);
    auto t_ack = Clock::now();
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    if (!ok)
      throw std::runtime_error(fmt::format("floor: pg_notify: {}", PQerrorMessage(notifier.c)));
    std::unique_lock lock(mu);
    bool got = cv.wait_for(lock, std::chrono::seconds(2),
                           [&] { return received.count(i) > 0 || !listen_error.empty(); });
    if (!listen_error.empty()) throw std::runtime_error("floor: listener: " + listen_error);
    if (!got) {
      ++result_.lost;
    } else {
      auto t_recv = received[i];
      result_.ack_to_recv_ms.push_back(ms_between(t_ack, t_recv));
      result_.send_to_recv_ms.push_back(ms_between(t_send, t_recv));
    }
    lock.unlock();
    if (gap_.count() > 0) std::this_thread::sleep_for(gap_);
  }
}

}  // namespace fanout
