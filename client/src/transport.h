// Transport (internal): one HTTP/1.1 connection to the server, plain TCP or TLS (DEPLOY-001..003),
// for the blocking Api calls and the live stream. TLS is Boost.Beast's ssl_stream over OpenSSL:
// the peer is verified by default (the system store, or `ca_file` alone when given), SNI carries
// the host name, and the certificate must name the host (RFC 6125 via OpenSSL's host check).
// Connecting and the handshake run asynchronously on the Transport's own io_context with a
// deadline; reads afterwards are blocking, bounded by SO_RCVTIMEO.
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <variant>

#include "syncline/api.h"

namespace syncline::client {

class Transport {
 public:
  explicit Transport(const ServerAddress& server);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // TCP connect, then the TLS handshake when the address says https; a readable error on
  // failure ("TLS handshake with localhost:8443 failed: certificate verify failed").
  boost::system::error_code connect(std::chrono::steady_clock::duration timeout,
                                    std::string& error);
  // Bounds every later blocking read (the stream uses it for its keep-alive deadline).
  void set_read_timeout(std::chrono::seconds s);
  int native_handle();
  // f(stream) with the connected stream (a beast::tcp_stream or an ssl_stream over one).
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit([&](auto& s) -> decltype(auto) { return f(*s); }, stream_);
  }
  void close();

 private:
  using Plain = boost::beast::tcp_stream;
  using Tls = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  ServerAddress server_;
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::variant<std::unique_ptr<Plain>, std::unique_ptr<Tls>> stream_;
};

}  // namespace syncline::client
