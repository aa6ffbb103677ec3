// External identity (DESIGN §13, JWT-001..010): bearer JWTs from the app's identity provider.
// Verified with OpenSSL 3: RS256 / ES256 against the keys of a JWKS file, or HS256 with a shared
// secret; `exp` required and `nbf` checked with ±60 s leeway; `iss` / `aud` when configured;
// `sub` becomes the user id and the claim named by `orgs_claim` ({"<orgId>": "admin"|"member"})
// the memberships. Expected failures are values (401 INVALID_TOKEN / TOKEN_EXPIRED), never
// exceptions. The verifier is installed once at start-up (install_jwt) before any reader.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace syncline::auth {

struct JwtSettings {
  std::string jwks_file;     // RS256 / ES256 public keys (a JWKS document)
  std::string jwks_url;      // or the same fetched over https (auth/jwks_source.h)
  std::string jwks_ca_file;  // CAs for jwks_url (default: the system's)
  std::string secret;        // HS256
  std::string issuer;        // required `iss` when set
  std::string audience;      // required in `aud` when set
  std::string orgs_claim = "syncline_orgs";
  std::int64_t leeway_s = 60;
};

// What a verified token says.
// ADOPT-004: any subject an identity provider issues ("auth0|65f…", an e-mail address, a
// UUID): 1..255 bytes of UTF-8 without control characters.
inline constexpr std::size_t kMaxSubjectBytes = 255;
bool is_valid_subject(std::string_view sub);
// The user id of a subject: the subject itself when it is a valid id (an app moving from local
// accounts keeps its users' rows), else "jwt-" + base64url(SHA-256(sub)): stable, and in a
// namespace local ids ("usr_" + 21 random characters) never enter.
std::string user_id_for_subject(std::string_view sub);

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
  // The keys of a JWKS document's text; `source` names it in errors.
  static Result<std::shared_ptr<const JwtVerifier>> from_jwks(const JwtSettings& s,
                                                              std::string_view text,
                                                              const std::string& source);
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

// Any thread: replaces the verifier (a JWKS fetch); readers keep the one they loaded.
void install_jwt(std::shared_ptr<const JwtVerifier> v);
// nullptr unless --jwt-jwks, --jwt-jwks-url or --jwt-secret was given.
std::shared_ptr<const JwtVerifier> jwt_verifier();
// Called (on the verifying thread; it must not block) when a token names a kid no key has.
void set_unknown_kid_hook(std::function<void()> hook);

}  // namespace syncline::auth
