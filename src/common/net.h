// IP addresses and CIDR ranges, pure (inet_pton; no sockets): for `--trusted-proxy CIDR` and
// the client address taken from X-Forwarded-For (SEC-044). IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d) are treated as the IPv4 address they carry.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace syncline {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // v4 uses the first 4
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
};
std::optional<IpAddress> parse_ip(std::string_view text);

// The key a per-address limit counts (SEC-041, DESIGN §20): an IPv4 address whole, an IPv6
// address by its /64 ("2001:db8:1:2::/64"): one subscriber's link holds 2^64 addresses.
std::string limit_key(const IpAddress& a);

struct Cidr {
  IpAddress network;
  int prefix = 0;
  bool contains(const IpAddress& a) const;
};
// "10.0.0.0/8", "fd00::/8", or a bare address (a /32 or /128).
std::optional<Cidr> parse_cidr(std::string_view text);

}  // namespace syncline
