// The raw LISTEN/NOTIFY floor: libpq round trips on their own thread, never on the io_context.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace fanout {

struct FloorResult {
  std::vector<double> ack_to_recv_ms;   // pg_notify result arrived -> notification arrived
  std::vector<double> send_to_recv_ms;  // pg_notify sent -> notification arrived
  int lost = 0;
  std::string error;
};

class FloorProbe {
 public:
  // Takes `samples` samples (0 = until stop()), `gap` apart.
  FloorProbe(std::string url, int samples, std::chrono::milliseconds gap)
      : url_(std::move(url)), samples_(samples), gap_(gap) {}
  ~FloorProbe() {
    stop();
    if (thread_.joinable()) thread_.join();
  }
  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() { stop_ = true; }
  bool done() const { return done_; }
  FloorResult result() {
    if (thread_.joinable()) thread_.join();
    return std::move(result_);
  }

 private:
  struct Conn {
    PGconn* c = nullptr;
    ~Conn() {
      if (c) PQfinish(c);
    }
  };

  void run();
  static void open(Conn& conn, const std::string& url);
  void measure();

  std::string url_;
  int samples_;
  std::chrono::milliseconds gap_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  FloorResult result_;
};

}  // namespace fanout
