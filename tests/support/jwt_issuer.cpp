#include "support/jwt_issuer.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "common/base64url.h"

namespace syncline::test {

namespace json = boost::json;

struct JwtIssuer::Keys {
  EVP_PKEY* rsa = nullptr;
  EVP_PKEY* ec = nullptr;
  ~Keys() {
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
  }
};

namespace {

std::string bn_param(EVP_PKEY* k, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) throw std::runtime_error("no key parameter");
  std::string out(static_cast<std::size_t>(pad ? pad : BN_num_bytes(bn)), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  BN_free(bn);
  return out;
}

std::string digest_sign(EVP_PKEY* k, const std::string& data) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, k);
  EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  std::string sig(len, '\0');
  EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
  EVP_MD_CTX_free(md);
  sig.resize(len);
  return sig;
}

// DER ECDSA signature → JWS r || s.
std::string raw_es256(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string out(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

JwtIssuer::JwtIssuer(std::string generation)
    : keys_(std::make_unique<Keys>()), generation_(std::move(generation)) {
  keys_->rsa = EVP_RSA_gen(2048);
  keys_->ec = EVP_EC_gen("P-256");
  if (!keys_->rsa || !keys_->ec) throw std::runtime_error("key generation failed");
}

JwtIssuer::~JwtIssuer() = default;

std::string JwtIssuer::jwks() const {
  json::object rsa{{"kty", "RSA"},
                   {"kid", "rsa-1" + generation_},
                   {"alg", "RS256"},
                   {"use", "sig"},
                   {"n", syncline::base64url_encode(bn_param(keys_->rsa, OSSL_PKEY_PARAM_RSA_N))},
                   {"e", syncline::base64url_encode(bn_param(keys_->rsa, OSSL_PKEY_PARAM_RSA_E))}};
  json::object ec{
      {"kty", "EC"},
      {"kid", "ec-1" + generation_},
      {"crv", "P-256"},
      {"x", syncline::base64url_encode(bn_param(keys_->ec, OSSL_PKEY_PARAM_EC_PUB_X, 32))},
      {"y", syncline::base64url_encode(bn_param(keys_->ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
  return json::serialize(json::object{{"keys", json::array{rsa, ec}}});
}

std::string JwtIssuer::sign(const std::string& alg, const json::object& claims,
                            const std::string& secret) const {
  json::object header{{"alg", alg}, {"typ", "JWT"}};
  if (alg == "RS256") header["kid"] = "rsa-1" + generation_;
  if (alg == "ES256") header["kid"] = "ec-1" + generation_;
  std::string input = syncline::base64url_encode(json::serialize(header)) + "." +
                      syncline::base64url_encode(json::serialize(claims));
  std::string sig;
  if (alg == "RS256") {
    sig = digest_sign(keys_->rsa, input);
  } else if (alg == "ES256") {
    sig = raw_es256(digest_sign(keys_->ec, input));
  } else if (alg == "HS256") {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    sig.assign(reinterpret_cast<char*>(mac), len);
  }
  return input + "." + syncline::base64url_encode(sig);
}

json::object JwtIssuer::claims(const std::string& sub, const json::object& orgs,
                               std::int64_t ttl_s) {
  return {{"sub", sub},
          {"iss", kJwtIssuer},
          {"aud", kJwtAudience},
          {"exp", unix_now() + ttl_s},
          {"iat", unix_now()},
          {"name", "User " + sub},
          {"email", sub + "@example.test"},
          {"syncline_orgs", orgs}};
}

}  // namespace syncline::test
