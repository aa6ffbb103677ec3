// External identity (DESIGN §13, JWT-001..010): bearer JWTs from the app's identity provider.
// Verified with OpenSSL 3: RS256 / ES256 against the keys of a JWKS file, or HS256 with a shared
// secret; `exp` required and `nbf` checked with ±60 s leeway; `iss` / `aud` when configured;
// `sub` becomes the user id and the claim named by `orgs_claim` ({"<orgId>": "admin"|"member"})
// the memberships. Expected failures are values (401 INVALID_TOKEN / TOKEN_EXPIRED), never
// exceptions. The verifier is installed once at start-up (install_jwt) before any reader.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace syncline::auth {

struct JwtSettings {
  std::string jwks_file;  // RS256 / ES256 public keys (a JWKS document)
  std::string secret;     // HS256
  std::string issuer;     // required `iss` when set
  std::string audience;   // required in `aud` when set
  std::string orgs_claim = "syncline_orgs";
  std::int64_t leeway_s = 60;
};

// What a verified token says.
struct JwtClaims {
  std::string sub;
  std::string email;  // `email` claim, may be empty
  std::string name;   // `name` claim, may be empty
  std::int64_t exp = 0;
  std::vector<std::pair<std::string, std::string>> orgs;  // org id → "admin" | "member"
};

class JwtVerifier {
 public:
  // Reads the key file; a malformed file or key is an error naming it (refused at start).
  static Result<std::shared_ptr<const JwtVerifier>> create(const JwtSettings& s);
  ~JwtVerifier();

  // `now` in Unix seconds.
  Result<JwtClaims> verify(std::string_view token, std::int64_t now) const;

  struct Key;

 private:
  JwtVerifier() = default;
  JwtSettings settings_;
  std::vector<std::unique_ptr<Key>> keys_;
};

// Three base64url segments: what a JWT looks like, as opposed to an opaque session token.
bool looks_like_jwt(std::string_view token);

void install_jwt(std::shared_ptr<const JwtVerifier> v);
// nullptr unless --jwt-jwks or --jwt-secret was given.
const JwtVerifier* jwt_verifier();

}  // namespace syncline::auth
