// base64url without padding (RFC 4648 §5) over libsodium: JWT segments, list cursors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace syncline {

std::string base64url_encode(std::string_view bytes);
// nullopt when `text` is not base64url without padding.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace syncline
