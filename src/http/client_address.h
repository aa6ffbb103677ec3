// Who is asking (SEC-044, DEPLOY trusted proxies): the client address is the socket peer, or —
// only when the peer is a configured proxy (`--trusted-proxy CIDR`, repeatable) — the
// right-most entry of X-Forwarded-For that is not itself a trusted proxy. Entries left of that
// are whatever the client wrote and are never believed; an unreadable entry ends the walk at
// the nearest hop that was vouched for. X-Forwarded-Proto: https counts only from a trusted
// proxy, too (then the session cookie is `Secure`).
#pragma once

#include <string>

#include "common/config.h"
#include "common/net.h"
#include "http/message.h"

namespace syncline::http {

std::string client_address(const Request& req, const Config& cfg);
// Whether a peer is one of the configured proxies (--trusted-proxy).
bool is_trusted_proxy(const Config& cfg, const IpAddress& peer);
// What per-address limits count for this client: its address, an IPv6 one by its /64
// (common/net.h limit_key).
std::string client_key(const Request& req, const Config& cfg);
bool forwarded_https(const Request& req, const Config& cfg);

}  // namespace syncline::http
