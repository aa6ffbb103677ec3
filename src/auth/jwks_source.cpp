#include "auth/jwks_source.h"
#include "common/metrics.h"
#include "common/mutex.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace syncline::auth {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

namespace {

constexpr std::size_t kMaxBody = 64 * 1024;
constexpr seconds kTimeout{5};
constexpr seconds kMinInterval{30};
constexpr seconds kMinMaxAge{60};
constexpr seconds kMaxMaxAge{24 * 3600};

struct Target {
  std::string host, port, target, url;
};

Result<Target> target_of(const std::string& url) {
  auto bad = [&](const std::string& why) {
    return bad_request("JWT_CONFIG", "--jwt-jwks-url '" + url + "': " + why);
  };
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return bad("not an absolute URL");
  if (u->scheme() != "https") return bad("keys are fetched over https only");
  if (u->host().empty()) return bad("no host");
  Target t;
  t.host = u->host_address();  // an IPv6 literal without its brackets
  t.port = u->has_port() ? std::string(u->port()) : "443";
  t.target = u->encoded_target().empty() ? "/" : std::string(u->encoded_target());
  t.url = url;
  return t;
}

// The max-age of a Cache-Control value, if it has one.
std::optional<seconds> max_age(std::string_view cache_control) {
  auto at = cache_control.find("max-age=");
  if (at == std::string_view::npos) return std::nullopt;
  auto digits = cache_control.substr(at + 8);
  long long v = 0;
  auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (err != std::errc() || end == digits.data()) return std::nullopt;
  return seconds(v);
}

struct Fetched {
  std::string body;
  std::optional<seconds> max_age;
};

// One GET over TLS, the whole exchange within kTimeout.
Result<Fetched> fetch(const Target& t, const std::string& ca_file) {
  auto fail = [&](const std::string& why) {
    return make_error(ErrorKind::kUnavailable, "JWKS_FETCH", t.url + ": " + why);
  };
  asio::io_context ioc;
  ssl::context tls(ssl::context::tls_client);
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (ca_file.empty())
    tls.set_default_verify_paths(ec);
  else
    tls.load_verify_file(ca_file, ec);
  if (ec) return fail("CA file " + ca_file + ": " + ec.message());
  tls.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
  SSL* h = stream.native_handle();
  boost::system::error_code not_ip;
  asio::ip::make_address(t.host, not_ip);
  if (!not_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(h), t.host.c_str());
  } else {
    SSL_set1_host(h, t.host.c_str());
    SSL_set_tlsext_host_name(h, t.host.c_str());
  }
  http::request<http::empty_body> req{http::verb::get, t.target, 11};
  req.set(http::field::host, t.host);
  req.set(http::field::user_agent, "syncline");
  req.set(http::field::accept, "application/json");
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);
  beast::flat_buffer buffer;
  asio::ip::tcp::resolver resolver(ioc);
  std::string error;
  bool done = false;
  auto step = [&](boost::system::error_code e, const char* what) {
    if (e) error = std::string(what) + ": " + e.message();
    return !e;
  };
  beast::get_lowest_layer(stream).expires_after(kTimeout);
  resolver.async_resolve(t.host, t.port, [&](auto e, auto results) {
    if (!step(e, "resolve")) return;
    beast::get_lowest_layer(stream).async_connect(results, [&](auto e, auto) {
      if (!step(e, "connect")) return;
      stream.async_handshake(ssl::stream_base::client, [&](auto e) {
        if (!step(e, "TLS handshake")) return;
        http::async_write(stream, req, [&](auto e, auto) {
          if (!step(e, "request")) return;
          http::async_read(stream, buffer, parser, [&](auto e, auto) {
            if (step(e, "response")) done = true;
          });
        });
      });
    });
  });
  ioc.run_for(kTimeout + seconds(1));
  if (!done) return fail(error.empty() ? "timed out after 5 s" : error);
  const auto& res = parser.get();
  if (res.result() != http::status::ok) return fail("answered " + std::to_string(res.result_int()));
  return Fetched{res.body(), max_age(res[http::field::cache_control])};
}

}  // namespace

struct JwksSource::State {
  JwtSettings settings;
  Target target;
  Mutex mu;
  std::condition_variable cv;
  bool stop SYNCLINE_GUARDED_BY(mu) = false;
  bool hinted SYNCLINE_GUARDED_BY(mu) = false;
  // The refresh thread's own (and start()'s, before the thread runs):
  Clock::time_point last;  // the last fetch, successful or not
  seconds ttl = kMinMaxAge;
  std::thread thread;

  // Fetches and installs; false (keys in hand kept) on any failure.
  bool refresh() {
    auto got = fetch(target, settings.jwks_ca_file);
    if (!got) {
      spdlog::warn("jwt: {} (the keys in hand stay)", got.error().message);
      count(Degraded::kJwksRefreshFailed);
      ttl = kMinMaxAge;
      return false;
    }
    auto v = JwtVerifier::from_jwks(settings, got->body, target.url);
    if (!v) {
      spdlog::warn("jwt: {} (the keys in hand stay)", v.error().message);
      count(Degraded::kJwksRefreshFailed);
      ttl = kMinMaxAge;
      return false;
    }
    install_jwt(std::move(*v));
    ttl = std::clamp(got->max_age.value_or(kMinMaxAge), kMinMaxAge, kMaxMaxAge);
    spdlog::info("jwt: keys from {} (again in {} s)", target.url, ttl.count());
    return true;
  }

  void run() {
    UniqueLock lk(mu);
    while (!stop) {
      auto due = last + ttl;
      if (hinted) due = std::min(due, last + kMinInterval);
      if (Clock::now() < due) {
        lk.wait_until(cv, due);
        continue;  // woken: recompute (a hint may bring the time closer)
      }
      hinted = false;
      last = Clock::now();
      lk.unlock();
      refresh();
      lk.lock();
    }
  }

  void hint() {
    MutexLock lk(mu);
    if (hinted) return;
    hinted = true;
    cv.notify_one();
  }
};

Result<std::unique_ptr<JwksSource>> JwksSource::start(const JwtSettings& s) {
  auto t = target_of(s.jwks_url);
  if (!t) return t.error();
  auto state = std::make_unique<State>();
  state->settings = s;
  state->target = *t;
  state->last = Clock::now();
  auto first = fetch(state->target, s.jwks_ca_file);
  if (!first) return first.error();
  auto v = JwtVerifier::from_jwks(s, first->body, s.jwks_url);
  if (!v) return v.error();
  install_jwt(std::move(*v));
  state->ttl = std::clamp(first->max_age.value_or(kMinMaxAge), kMinMaxAge, kMaxMaxAge);
  auto* raw = state.get();
  set_unknown_kid_hook([raw] { raw->hint(); });
  state->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<JwksSource>(new JwksSource(std::move(state)));
}

JwksSource::JwksSource(std::unique_ptr<State> s) : state_(std::move(s)) {}

JwksSource::~JwksSource() {
  set_unknown_kid_hook(nullptr);
  {
    MutexLock lk(state_->mu);
    state_->stop = true;
  }
  state_->cv.notify_one();
  state_->thread.join();
}

}  // namespace syncline::auth
