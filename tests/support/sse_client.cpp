#include "support/sse_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace syncline::test {

SseClient::SseClient(unsigned short port, const std::string& target, const std::string& token,
                     const std::map<std::string, std::string>& headers) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("sse: connect failed");
  std::string req =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
    throw std::runtime_error("sse: send failed");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (buf_.find("\r\n\r\n") == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline || !fill(std::chrono::seconds(30)))
      throw std::runtime_error("sse: no response head");
  }
  auto end = buf_.find("\r\n\r\n");
  head_ = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  status_ = std::stoi(head_.substr(9, 3));
}

SseClient::~SseClient() {
  close();
}

void SseClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  closed_ = true;
}

bool SseClient::fill(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char chunk[65536];
  auto n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  buf_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<SseEvent> SseClient::next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto end = buf_.find("\n\n");
    if (end != std::string::npos) {
      std::string block = buf_.substr(0, end);
      buf_.erase(0, end + 2);
      SseEvent e;
      bool any = false;
      std::size_t pos = 0;
      while (pos <= block.size()) {
        auto nl = block.find('\n', pos);
        std::string line =
            block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? block.size() + 1 : nl + 1;
        if (line.empty() || line[0] == ':') continue;
        auto colon = line.find(':');
        std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "event")
          e.event = value, any = true;
        else if (field == "id")
          e.id = value, any = true;
        else if (field == "data")
          e.data += (e.data.empty() ? "" : "\n") + value, any = true;
      }
      if (any && (e.event != "message" || !e.data.empty() || !e.id.empty())) {
        if (e.event == "message" && e.data.empty()) continue;  // retry-only block
        return e;
      }
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !fill(left)) return std::nullopt;
  }
}

std::optional<SseEvent> SseClient::next_of(const std::string& type,
                                           std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    auto e = next(std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now()));
    if (!e) return std::nullopt;
    if (e->event == type) return e;
  }
  return std::nullopt;
}

}  // namespace syncline::test
