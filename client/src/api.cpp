#include "syncline/api.h"
#include "common/json_parse.h"
#include "common/json_text.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <boost/url/parse.hpp>

#include "transport.h"

namespace syncline::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;

namespace {
// Seconds of a Retry-After header (its delta-seconds form), 0 when absent or unreadable.
template <class Fields>
int retry_after(const Fields& f) {
  auto it = f.find(bhttp::field::retry_after);
  if (it == f.end()) return 0;
  int s = 0;
  for (char c : it->value()) {
    if (c < '0' || c > '9' || s > 86'400) return 0;
    s = s * 10 + (c - '0');
  }
  return s;
}
}  // namespace

void Api::set_token(std::string token) {
  std::lock_guard lock(mu_);
  token_ = std::move(token);
}

std::string Api::token() const {
  std::lock_guard lock(mu_);
  return token_;
}

void Api::set_token_provider(TokenProvider p) {
  std::lock_guard lock(mu_);
  provider_ = std::move(p);
}

std::string Api::current_token() const {
  TokenProvider provider;
  {
    std::lock_guard lock(mu_);
    if (!token_.empty() || !provider_) return token_;
    provider = provider_;
  }
  auto fresh = provider();  // not under the lock: it may block
  std::lock_guard lock(mu_);
  token_ = fresh;
  return fresh;
}

Api::Api(std::string host, unsigned short port)
    : Api(ServerAddress{std::move(host), port, false, ""}) {}

Api::Api(ServerAddress server) : server_(std::move(server)) {}

Api::~Api() = default;

ApiResponse Api::with_fresh_token(
    const std::function<ApiResponse(const std::string&)>& attempt) const {
  const std::string token = current_token();
  auto r = attempt(token);
  TokenProvider provider;
  {
    std::lock_guard lock(mu_);
    provider = provider_;
  }
  if (r.status != 401 || !provider) return r;
  auto fresh = provider();  // not under the lock: it may block
  if (fresh.empty() || fresh == token) return r;
  {
    std::lock_guard lock(mu_);
    token_ = fresh;
  }
  return attempt(fresh);
}

ApiResponse Api::call(const std::string& method, const std::string& target,
                      const std::optional<json::value>& body) const {
  return with_fresh_token(
      [&](const std::string& token) { return call_once(method, target, body, token); });
}

ApiResponse Api::call_once(const std::string& method, const std::string& target,
                           const std::optional<json::value>& body, const std::string& token) const {
  std::lock_guard lock(conn_mu_);
  bool reused = false;
  auto r = exchange(method, target, body, token, reused);
  // A kept-alive connection the server closed meanwhile fails before any answer: once more on
  // a new one (a mutation resent this way is answered once, by its txId).
  if (r.status == 0 && reused) r = exchange(method, target, body, token, reused);
  return r;
}

ApiResponse Api::exchange(const std::string& method, const std::string& target,
                          const std::optional<json::value>& body, const std::string& token,
                          bool& reused) const {
  ApiResponse out;
  reused = conn_ != nullptr;
  try {
    if (!conn_) {
      auto t = std::make_unique<Transport>(server_);
      std::string error;
      if (t->connect(std::chrono::seconds(5), error)) {
        out.error = error;
        return out;
      }
      ++opened_;
      t->set_read_timeout(std::chrono::seconds(30));  // sync Beast calls ignore stream expiry
      conn_ = std::move(t);
    }
    bhttp::request<bhttp::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.keep_alive(true);
    req.set(bhttp::field::host, server_.host);
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    if (body) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = json_text(*body);
    }
    req.prepare_payload();
    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    if (method == "HEAD") parser.skip(true);
    conn_->visit([&](auto& stream) {
      bhttp::write(stream, req);
      bhttp::read(stream, buf, parser);
    });
    out.status = static_cast<int>(parser.get().result_int());
    out.retry_after_s = retry_after(parser.get());
    boost::system::error_code ec;
    auto v = parse_json(parser.get().body(), ec);
    out.body = ec ? json::value(nullptr) : v;
    if (!parser.keep_alive()) conn_.reset();
  } catch (const boost::system::system_error& e) {
    conn_.reset();
    out.status = 0;
    out.error = e.code().message();  // what() would add the library's source location
  } catch (const std::exception& e) {
    conn_.reset();
    out.status = 0;
    out.error = e.what();
  }
  return out;
}

ApiResponse Api::stream_get(const std::string& target, const BodySink& on_body,
                            std::chrono::seconds idle) const {
  return with_fresh_token(
      [&](const std::string& token) { return stream_once(target, on_body, idle, token); });
}

ApiResponse Api::stream_once(const std::string& target, const BodySink& on_body,
                             std::chrono::seconds idle, const std::string& token) const {
  ApiResponse out;
  try {
    Transport t(server_);
    std::string error;
    if (t.connect(std::chrono::seconds(5), error)) {
      out.error = error;
      return out;
    }
    t.set_read_timeout(idle);
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, server_.host);
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);  // bounded by the caller, piece by piece
    t.visit([&](auto& stream) {
      bhttp::write(stream, req);
      bhttp::read_header(stream, buf, parser);
    });
    out.status = static_cast<int>(parser.get().result_int());
    out.retry_after_s = retry_after(parser.get());
    const bool success = out.ok();
    std::string error_body;  // a refusal's JSON, bounded
    std::array<char, 64 * 1024> piece;
    bool stopped = false;
    while (!parser.is_done() && !stopped) {
      parser.get().body().data = piece.data();
      parser.get().body().size = piece.size();
      beast::error_code ec;
      t.visit([&](auto& stream) { bhttp::read(stream, buf, parser, ec); });
      if (ec && ec != bhttp::error::need_buffer) throw beast::system_error(ec);
      const std::string_view got(piece.data(), piece.size() - parser.get().body().size);
      if (success)
        stopped = !got.empty() && !on_body(got);
      else if (error_body.size() + got.size() <= (1u << 20))
        error_body.append(got);
    }
    if (!success) {
      boost::system::error_code ec;
      auto v = parse_json(error_body, ec);
      out.body = ec ? json::value(nullptr) : v;
    }
  } catch (const boost::system::system_error& e) {
    out.status = 0;
    out.error = e.code().message();  // what() would add the library's source location
  } catch (const std::exception& e) {
    out.status = 0;
    out.error = e.what();
  }
  return out;
}

int Api::connections_opened() const {
  std::lock_guard lock(conn_mu_);
  return opened_;
}

std::optional<ServerAddress> parse_server_url(const std::string& url, std::string& error) {
  auto u = boost::urls::parse_uri(url);
  if (!u) {
    error = "'" + url + "' is not a URL (expected http://HOST[:PORT] or https://HOST[:PORT])";
    return std::nullopt;
  }
  ServerAddress a;
  const auto scheme = u->scheme();
  if (scheme != "http" && scheme != "https") {
    error = "'" + url + "': the scheme must be http or https";
    return std::nullopt;
  }
  a.tls = scheme == "https";
  a.host = u->host_address();
  if (u->host_type() == boost::urls::host_type::ipv6) a.host = u->host_ipv6_address().to_string();
  if (a.host.empty()) {
    error = "'" + url + "' names no host";
    return std::nullopt;
  }
  a.port = a.tls ? 443 : 80;
  if (u->has_port()) {
    const std::string digits(u->port());
    unsigned long p = 0;
    bool ok = !digits.empty() && digits.size() <= 5 &&
              digits.find_first_not_of("0123456789") == std::string::npos;
    if (ok) p = std::stoul(digits);  // at most 5 digits: cannot throw
    if (!ok || p < 1 || p > 65535) {
      error = "'" + url + "': the port must be 1..65535";
      return std::nullopt;
    }
    a.port = static_cast<unsigned short>(p);
  }
  return a;
}

ApiResponse Api::sign_in(const std::string& email, const std::string& password) {
  auto r = call("POST", "/auth/sign-in", json::value{{"email", email}, {"password", password}});
  if (r.ok() && r.body.is_object())
    if (auto* t = r.body.as_object().if_contains("token"); t && t->is_string())
      set_token(std::string(t->as_string()));
  return r;
}

}  // namespace syncline::client
