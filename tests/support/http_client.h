// A small blocking HTTP/1.1 client for tests (one connection per request), plus a raw
// byte sender for malformed-request tests.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>

namespace syncline::test {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  boost::json::value json() const;             // null when the body is not JSON
  std::string error_code() const;              // error.code or ""
};

class Http {
 public:
  explicit Http(unsigned short port) : port_(port) {}
  // The same server, with every connection bound to this loopback source address first
  // (127.0.0.2, 127.0.0.3, …): one test process acting as several client addresses.
  Http from(const std::string& source_address) const {
    Http h(port_);
    h.source_ = source_address;
    return h;
  }
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::optional<std::string>& body = std::nullopt,
                       const std::map<std::string, std::string>& headers = {}) const;
  // JSON helpers; token adds `Authorization: Bearer`.
  HttpResponse get(const std::string& target, const std::string& token = "") const;
  HttpResponse send(const std::string& method, const std::string& target,
                    const boost::json::value& body, const std::string& token = "") const;
  // Writes bytes as they are and returns everything read until the server closes or 5 s.
  std::string raw(const std::string& bytes) const;
  unsigned short port() const { return port_; }

 private:
  unsigned short port_;
  std::string source_;  // empty: the kernel picks
};

}  // namespace syncline::test
