// Asio coroutine plumbing shared by every connection: aliases, completion token, timer sleep.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "clock.h"

namespace fanout {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Suspends the calling coroutine for `d`.
asio::awaitable<void> sleep_for(Clock::duration d);

}  // namespace fanout
