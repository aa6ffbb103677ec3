#include "transport.h"

#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace syncline::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;

namespace {
bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}
}  // namespace

Transport::Transport(const ServerAddress& server) : server_(server) {
  if (!server_.tls) {
    stream_ = std::make_unique<Plain>(ioc_);
    return;
  }
  tls_ = std::make_unique<ssl::context>(ssl::context::tls_client);
  tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (server_.ca_file.empty())
    tls_->set_default_verify_paths(ec);
  else
    tls_->load_verify_file(server_.ca_file, ec);  // an unreadable file fails every handshake
  tls_->set_verify_mode(ssl::verify_peer);
  stream_ = std::make_unique<Tls>(ioc_, *tls_);
}

Transport::~Transport() {
  close();
}

boost::system::error_code Transport::connect(std::chrono::steady_clock::duration timeout,
                                             std::string& error) {
  asio::ip::tcp::resolver resolver(ioc_);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(server_.host, std::to_string(server_.port), ec);
  const std::string where = server_.host + ":" + std::to_string(server_.port);
  if (ec) {
    error = "cannot resolve " + server_.host + ": " + ec.message();
    return ec;
  }
  auto& tcp = visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); });
  tcp.expires_after(timeout);
  tcp.async_connect(endpoints,
                    [&](boost::system::error_code e, const asio::ip::tcp::endpoint&) { ec = e; });
  ioc_.run();
  ioc_.restart();
  if (ec) {
    tcp.expires_never();
    error = "cannot connect to " + where + ": " + ec.message();
    return ec;
  }
  if (auto* tls = std::get_if<std::unique_ptr<Tls>>(&stream_)) {
    // OpenSSL checks the certificate names the host (DNS name or IP address SAN), so a mismatch
    // is reported as such; SNI names the host (never an address literal, RFC 6066 §3).
    SSL* h = (*tls)->native_handle();
    if (is_ip_literal(server_.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(h), server_.host.c_str());
    } else {
      SSL_set1_host(h, server_.host.c_str());
      SSL_set_tlsext_host_name(h, server_.host.c_str());
    }
    (*tls)->async_handshake(ssl::stream_base::client, [&](boost::system::error_code e) { ec = e; });
    ioc_.run();
    ioc_.restart();
    if (ec) {
      tcp.expires_never();
      std::string why = ec.message();
      if (long v = SSL_get_verify_result((*tls)->native_handle()); v != X509_V_OK)
        why = X509_verify_cert_error_string(v);
      error = "TLS handshake with " + where + " failed: " + why +
              (server_.ca_file.empty() ? "" : " (CA file " + server_.ca_file + ")");
      return ec;
    }
  }
  tcp.expires_never();
  return {};
}

void Transport::set_read_timeout(std::chrono::seconds s) {
  struct timeval tv {
    static_cast<time_t>(s.count()), 0
  };
  setsockopt(native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

int Transport::native_handle() {
  return visit([](auto& s) { return beast::get_lowest_layer(s).socket().native_handle(); });
}

void Transport::close() {
  visit([](auto& s) {
    beast::error_code ignored;
    auto& sock = beast::get_lowest_layer(s).socket();
    if (sock.is_open()) {
      sock.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      sock.close(ignored);
    }
  });
}

}  // namespace syncline::client
