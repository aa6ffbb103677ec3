#include "syncline/api.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "connect.h"

namespace syncline::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;

void Api::set_token(std::string token) {
  std::lock_guard<std::mutex> lock(mu_);
  token_ = std::move(token);
}

std::string Api::token() const {
  std::lock_guard<std::mutex> lock(mu_);
  return token_;
}

void Api::set_token_provider(TokenProvider p) {
  std::lock_guard<std::mutex> lock(mu_);
  provider_ = std::move(p);
}

std::string Api::current_token() const {
  TokenProvider provider;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!token_.empty() || !provider_) return token_;
    provider = provider_;
  }
  auto fresh = provider();  // not under the lock: it may block
  std::lock_guard<std::mutex> lock(mu_);
  token_ = fresh;
  return fresh;
}

ApiResponse Api::call(const std::string& method, const std::string& target,
                      const std::optional<json::value>& body) const {
  const std::string token = current_token();
  auto r = call_once(method, target, body, token);
  TokenProvider provider;
  {
    std::lock_guard<std::mutex> lock(mu_);
    provider = provider_;
  }
  if (r.status != 401 || !provider) return r;
  auto fresh = provider();
  if (fresh.empty() || fresh == token) return r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    token_ = fresh;
  }
  return call_once(method, target, body, fresh);
}

ApiResponse Api::call_once(const std::string& method, const std::string& target,
                           const std::optional<json::value>& body, const std::string& token) const {
  ApiResponse out;
  try {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    if (auto ec = connect_within(ioc, stream, host_, port_, std::chrono::seconds(5)))
      throw beast::system_error(ec);
    bhttp::request<bhttp::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(bhttp::field::host, host_);
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    if (body) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = json::serialize(*body);
      req.prepare_payload();
    }
    // Synchronous Beast calls ignore tcp_stream expiry: bound reads with SO_RCVTIMEO.
    struct timeval tv {
      30, 0
    };
    setsockopt(stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    bhttp::write(stream, req);
    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    if (method == "HEAD") parser.skip(true);
    bhttp::read(stream, buf, parser);
    out.status = static_cast<int>(parser.get().result_int());
    boost::system::error_code ec;
    auto v = json::parse(parser.get().body(), ec);
    out.body = ec ? json::value(nullptr) : v;
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  } catch (const boost::system::system_error& e) {
    out.status = 0;
    out.error = e.code().message();  // what() would add the library's source location
  } catch (const std::exception& e) {
    out.status = 0;
    out.error = e.what();
  }
  return out;
}

ApiResponse Api::sign_in(const std::string& email, const std::string& password) {
  auto r = call("POST", "/auth/sign-in", json::value{{"email", email}, {"password", password}});
  if (r.ok() && r.body.is_object())
    if (auto* t = r.body.as_object().if_contains("token"); t && t->is_string())
      set_token(std::string(t->as_string()));
  return r;
}

}  // namespace syncline::client
