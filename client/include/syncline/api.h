// Api: blocking HTTP/1.1 JSON calls to a Syncline server (one connection per call; callers
// run it on their own threads, never on a UI or event-loop thread). Transport failures are
// status 0 with `error` set; they are what tells the client it is offline (NET-001..010).
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace syncline::client {

struct ApiResponse {
  int status = 0;           // 0: no answer (connection refused, reset, timeout)
  boost::json::value body;  // parsed JSON body, or null
  std::string error;        // transport error text when status == 0
  bool ok() const { return status >= 200 && status < 300; }
};

class Api {
 public:
  Api(std::string host, unsigned short port) : host_(std::move(host)), port_(port) {}
  void set_token(std::string token) { token_ = std::move(token); }
  const std::string& token() const { return token_; }
  const std::string& host() const { return host_; }
  unsigned short port() const { return port_; }

  ApiResponse call(const std::string& method, const std::string& target,
                   const std::optional<boost::json::value>& body = std::nullopt) const;
  // POST /auth/sign-in; stores the token on success.
  ApiResponse sign_in(const std::string& email, const std::string& password);

 private:
  std::string host_;
  unsigned short port_;
  std::string token_;
};

}  // namespace syncline::client
