// Api: blocking HTTP/1.1 JSON calls to a Syncline server (one connection per call; callers
// run it on their own threads, never on a UI or event-loop thread). Transport failures are
// status 0 with `error` set; they are what tells the client it is offline (NET-001..010).
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace syncline::client {

struct ApiResponse {
  int status = 0;           // 0: no answer (connection refused, reset, timeout)
  boost::json::value body;  // parsed JSON body, or null
  std::string error;        // transport error text when status == 0
  bool ok() const { return status >= 200 && status < 300; }
};

// Returns a currently valid bearer token (e.g. a fresh JWT from the app's identity provider,
// JWT-008). Called when there is none yet and after the server said the last one expired or
// is invalid; may block (it runs on the calling or stream thread, never under a client lock).
using TokenProvider = std::function<std::string()>;

class Api {
 public:
  Api(std::string host, unsigned short port) : host_(std::move(host)), port_(port) {}
  void set_token(std::string token);
  std::string token() const;
  void set_token_provider(TokenProvider p);
  const std::string& host() const { return host_; }
  unsigned short port() const { return port_; }

  // With a token provider, a 401 is answered once more with a fresh token.
  ApiResponse call(const std::string& method, const std::string& target,
                   const std::optional<boost::json::value>& body = std::nullopt) const;
  // POST /auth/sign-in; stores the token on success.
  ApiResponse sign_in(const std::string& email, const std::string& password);

 private:
  ApiResponse call_once(const std::string& method, const std::string& target,
                        const std::optional<boost::json::value>& body,
                        const std::string& token) const;
  // The token for the next call: the provider's when there is none yet.
  std::string current_token() const;

  std::string host_;
  unsigned short port_;
  mutable std::mutex mu_;  // token_ and provider_: any thread may call
  mutable std::string token_;
  TokenProvider provider_;
};

}  // namespace syncline::client
