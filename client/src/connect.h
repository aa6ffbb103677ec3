// Connecting with a deadline (internal): the client's calls are synchronous, and a plain
// blocking connect to an unreachable host can take minutes (SYN retries), which would also hold
// up stop(). Beast's tcp_stream honours its expiry on asynchronous operations, so the connect
// is run asynchronously on the caller's io_context until it completes or expires.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <string>

namespace syncline::client {

inline boost::system::error_code connect_within(boost::asio::io_context& ioc,
                                                boost::beast::tcp_stream& stream,
                                                const std::string& host, unsigned short port,
                                                std::chrono::steady_clock::duration timeout) {
  boost::asio::ip::tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return ec;
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](boost::system::error_code e,
                                      const boost::asio::ip::tcp::endpoint&) { ec = e; });
  ioc.run();
  ioc.restart();
  stream.expires_never();
  return ec;
}

}  // namespace syncline::client
