// Api: blocking HTTP/1.1 JSON calls to a Syncline server over plain TCP or TLS, on one kept-alive
// connection per Api (calls from several threads take turns on it; reconnected on error). Callers
// run it on their own threads, never on a UI or event-loop thread. Transport failures are
// status 0 with `error` set; they are what tells the client it is offline (NET-001..010).
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include "syncline/ordered_mutex.h"

namespace syncline::client {

struct ApiResponse {
  int status = 0;           // 0: no answer (connection refused, reset, timeout)
  boost::json::value body;  // parsed JSON body, or null
  std::string error;        // transport error text when status == 0
  int retry_after_s = 0;    // the Retry-After header of a 429/503, when it had one
  bool ok() const { return status >= 200 && status < 300; }
};

// Returns a currently valid bearer token (e.g. a fresh JWT from the app's identity provider,
// JWT-008). Called when there is none yet and after the server said the last one expired or
// is invalid; may block. It runs on the calling or stream thread, possibly under the client's
// flush or state lock (client/README.md, lock order): it must not call back into the client.
using TokenProvider = std::function<std::string()>;

// Where the server is (DEPLOY-001..003): https verifies the certificate against the system
// store, or against `ca_file` alone when set, and its name against `host`.
struct ServerAddress {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  bool tls = false;
  std::string ca_file;
};
// "http://host[:port]" or "https://host[:port]" (a path is ignored; ports default to 80/443);
// nullopt with `error` set for anything else.
std::optional<ServerAddress> parse_server_url(const std::string& url, std::string& error);

class Transport;

class Api {
 public:
  Api(std::string host, unsigned short port);
  explicit Api(ServerAddress server);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;
  void set_token(std::string token);
  std::string token() const;
  void set_token_provider(TokenProvider p);
  const std::string& host() const { return server_.host; }
  unsigned short port() const { return server_.port; }
  const ServerAddress& server() const { return server_; }
  // Connections opened so far (1 while keep-alive holds; tests and benchmarks read it).
  int connections_opened() const;

  // With a token provider, a 401 is answered once more with a fresh token.
  ApiResponse call(const std::string& method, const std::string& target,
                   const std::optional<boost::json::value>& body = std::nullopt) const;
  // GET `target` on a connection of its own (not the kept-alive one: other calls go on) and
  // hands the body to `on_body` piece by piece as it arrives, never holding it whole (a
  // snapshot is hundreds of MB). `on_body` returns false to stop reading. A 2xx comes back with
  // body null (it went to on_body); another status with its JSON body (at most 1 MiB); status 0
  // when the connection failed, the answer was cut before its end, or `idle` passed without a
  // byte. With a token provider, a 401 is answered once more with a fresh token.
  using BodySink = std::function<bool(std::string_view piece)>;
  ApiResponse stream_get(const std::string& target, const BodySink& on_body,
                         std::chrono::seconds idle = std::chrono::seconds(60)) const;
  // POST /auth/sign-in; stores the token on success.
  ApiResponse sign_in(const std::string& email, const std::string& password);

 private:
  ApiResponse call_once(const std::string& method, const std::string& target,
                        const std::optional<boost::json::value>& body,
                        const std::string& token) const;
  ApiResponse stream_once(const std::string& target, const BodySink& on_body,
                          std::chrono::seconds idle, const std::string& token) const;
  // The token for the next call: the provider's when there is none yet.
  std::string current_token() const;
  // `attempt` with the current token; after a 401, once more with the provider's fresh one.
  ApiResponse with_fresh_token(const std::function<ApiResponse(const std::string&)>& attempt) const;

  // One request and its answer on the kept-alive connection; false in `fresh` when the
  // connection was reused (so a failure before any answer may be retried on a new one).
  ApiResponse exchange(const std::string& method, const std::string& target,
                       const std::optional<boost::json::value>& body, const std::string& token,
                       bool& reused) const;

  ServerAddress server_;
  // lock order: 8 (client/README.md)
  mutable OrderedMutex<8> conn_mu_;  // the connection: one request at a time
  mutable std::unique_ptr<Transport> conn_;
  mutable int opened_ = 0;
  // lock order: 8 (client/README.md)
  mutable OrderedMutex<8> mu_;  // token_ and provider_: any thread may call
  mutable std::string token_;
  TokenProvider provider_;
};

}  // namespace syncline::client
