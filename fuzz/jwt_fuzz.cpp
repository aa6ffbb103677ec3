// JWT verification (auth/jwt.cpp, JWT-003) on hostile bytes: the input as a whole token, and
// the input as the payload of a token signed with the verifier's own HS256 secret, so the
// claims parser (exp/nbf/iss/aud/sub, the orgs claim) is reached past the signature check.
#include <openssl/hmac.h>

#include <cstdint>
#include <string>

#include "auth/jwt.h"
#include "common/base64url.h"

namespace {
const std::string kSecret(32, 'k');

const syncline::auth::JwtVerifier& verifier() {
  static const auto v = [] {
    syncline::auth::JwtSettings s;
    s.secret = kSecret;
    s.issuer = "iss";
    s.audience = "aud";
    return *syncline::auth::JwtVerifier::create(s);
  }();
  return *v;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  (void)syncline::auth::looks_like_jwt(in);
  (void)verifier().verify(in, 1'764'000'000);
  const std::string input =
      syncline::base64url_encode(R"({"alg":"HS256"})") + "." + syncline::base64url_encode(in);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  (void)verifier().verify(
      input + "." + syncline::base64url_encode(std::string(reinterpret_cast<char*>(mac), len)),
      1'764'000'000);
  return 0;
}
