// Random identifiers and secrets from libsodium's CSPRNG. Safe from any thread once
// init_crypto() has run (main and test set-up call it).
#pragma once

#include <string>

namespace syncline {

void init_crypto();
// n characters of [A-Za-z0-9_-] (URL-safe, matches the id pattern of DESIGN §4a).
std::string random_id(std::size_t n = 21);
// A prefixed id such as "usr_V1StGXR8_Z5jdHi6B-myT".
std::string prefixed_id(const std::string& prefix);
// 32 random bytes, base64url without padding: bearer tokens.
std::string random_token();
// BLAKE2b-256 of the input; sessions store only this hash of the token.
std::string hash_token(const std::string& token);

}  // namespace syncline
