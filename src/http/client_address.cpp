#include "http/client_address.h"

#include <algorithm>

#include "common/net.h"
#include "common/strings.h"

namespace syncline::http {

namespace {

bool from_trusted_proxy(const Request& req, const Config& cfg) {
  auto peer = parse_ip(req.peer);
  return peer && is_trusted_proxy(cfg, *peer);
}
}  // namespace

bool is_trusted_proxy(const Config& cfg, const IpAddress& peer) {
  return std::any_of(cfg.trusted_proxies.begin(), cfg.trusted_proxies.end(),
                     [&](const Cidr& c) { return c.contains(peer); });
}

std::string client_address(const Request& req, const Config& cfg) {
  auto peer = parse_ip(req.peer);
  if (!peer) return req.peer;
  if (!is_trusted_proxy(cfg, *peer)) return peer->to_string();
  auto xff = req.header("x-forwarded-for");
  IpAddress nearest = *peer;
  if (!xff) return nearest.to_string();
  auto hops = split(*xff, ',');
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto ip = parse_ip(trim(*it));
    if (!ip) break;
    if (!is_trusted_proxy(cfg, *ip)) return ip->to_string();
    nearest = *ip;
  }
  return nearest.to_string();
}

std::string client_key(const Request& req, const Config& cfg) {
  auto address = client_address(req, cfg);
  auto ip = parse_ip(address);
  return ip ? limit_key(*ip) : address;
}

bool forwarded_https(const Request& req, const Config& cfg) {
  if (!from_trusted_proxy(req, cfg)) return false;
  auto proto = req.header("x-forwarded-proto");
  return proto && to_lower(trim(*proto)) == "https";
}

}  // namespace syncline::http
