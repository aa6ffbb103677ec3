// Cross-origin access for apps served from their own origin (DESIGN §19, ADOPT-005). Clients
// authenticate with a bearer token (tokenProvider), never cookies, so CORS is bearer-only: no
// Allow-Credentials, never `*` or `null`, only the exact origins given by --cors-origin. Every
// answer, /health and the streams included, carries `Vary: Origin` when origins are configured.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace syncline::http {

// Why `origin` cannot be a --cors-origin value, or nullopt when it can: scheme http or https,
// a host, an optional port, nothing else (no path, not even "/"), lower case — the form a
// browser sends in its Origin header.
std::optional<std::string> invalid_cors_origin(std::string_view origin);

// The answer to a preflight (OPTIONS with Access-Control-Request-Method) from a listed origin:
// 204 allowing the methods and the headers the clients send. nullopt for anything else.
std::optional<Response> cors_preflight(const std::vector<std::string>& origins, const Request& req);

// Adds `Vary: Origin` (when origins are configured) and, for a listed origin, the headers that
// let its page read the answer: Allow-Origin and Expose-Headers (Stream-Next-Offset,
// Retry-After).
void add_cors_headers(const std::vector<std::string>& origins, const Request& req, Response& r);

}  // namespace syncline::http
