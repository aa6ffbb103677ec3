// A minimal Server-Sent Events client for tests: one GET on a raw socket, then events parsed
// as they arrive (event, id, data; comments ignored). Blocking with timeouts.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace syncline::test {

struct SseEvent {
  std::string event = "message";
  std::string id;
  std::string data;
};

class SseClient {
 public:
  SseClient(unsigned short port, const std::string& target, const std::string& token,
            const std::map<std::string, std::string>& headers = {});
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;
  int status() const { return status_; }
  const std::string& head() const { return head_; }
  // The next event within the timeout; nullopt on timeout or when the server closed.
  std::optional<SseEvent> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next event of that type within the timeout (others are skipped).
  std::optional<SseEvent> next_of(const std::string& type,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool closed() const { return closed_; }
  void close();

 private:
  bool fill(std::chrono::milliseconds timeout);
  int fd_ = -1;
  int status_ = 0;
  std::string head_;
  std::string buf_;
  bool closed_ = false;
};

}  // namespace syncline::test
