#include "auth/jwt.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>

#include "common/base64url.h"
#include "common/json_parse.h"
#include "common/mutex.h"
#include "common/strings.h"

namespace syncline::auth {

namespace json = boost::json;

struct JwtVerifier::Key {
  std::string kid;
  std::string alg;  // "RS256" | "ES256"
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

constexpr std::size_t kMaxToken = 8192;
constexpr std::size_t kMaxOrgs = 1000;

Error invalid(std::string why) {
  return unauthorized("INVALID_TOKEN", "invalid token: " + std::move(why));
}

const unsigned char* bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string str_of(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// A public key from the members of one JWK; nullptr with `why` set when it is not usable.
EVP_PKEY* key_from_jwk(const json::object& jwk, std::string& alg, std::string& why) {
  const std::string kty = str_of(jwk, "kty");
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  BIGNUM *n = nullptr, *e = nullptr;
  const char* type = nullptr;
  std::string point;
  if (kty == "RSA") {
    auto nb = base64url_decode(str_of(jwk, "n")), eb = base64url_decode(str_of(jwk, "e"));
    if (!nb || !eb || nb->empty() || eb->empty()) {
      why = "RSA key without base64url n and e";
    } else {
      n = BN_bin2bn(bytes(*nb), static_cast<int>(nb->size()), nullptr);
      e = BN_bin2bn(bytes(*eb), static_cast<int>(eb->size()), nullptr);
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
      type = "RSA";
      alg = "RS256";
    }
  } else if (kty == "EC") {
    auto x = base64url_decode(str_of(jwk, "x")), y = base64url_decode(str_of(jwk, "y"));
    if (str_of(jwk, "crv") != "P-256") {
      why = "EC key on a curve other than P-256";
    } else if (!x || !y || x->size() != 32 || y->size() != 32) {
      why = "EC key without 32-byte base64url x and y";
    } else {
      point = std::string(1, '\x04') + *x + *y;
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
      type = "EC";
      alg = "ES256";
    }
  } else {
    why = "key type '" + kty + "' (RSA or EC expected)";
  }
  EVP_PKEY* pkey = nullptr;
  if (type) {
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    if (!ctx || !params || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
      why = "key rejected by OpenSSL";
      pkey = nullptr;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
  }
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  if (pkey && !str_of(jwk, "alg").empty() && str_of(jwk, "alg") != alg) {
    why = "alg '" + str_of(jwk, "alg") + "' does not match the key type";
    EVP_PKEY_free(pkey);
    return nullptr;
  }
  return pkey;
}

// JWS ES256 signatures are r || s (32 bytes each); OpenSSL verifies DER.
std::optional<std::string> es256_der(const std::string& raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(bytes(raw), 32, nullptr), BN_bin2bn(bytes(raw) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool verify_pkey(EVP_PKEY* key, std::string_view signed_part, const std::string& sig) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok = md && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(md, bytes(sig), sig.size(),
                             reinterpret_cast<const unsigned char*>(signed_part.data()),
                             signed_part.size()) == 1;
  EVP_MD_CTX_free(md);
  return ok;
}

std::optional<std::int64_t> seconds(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() < (1ull << 62))
    return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double() && v->as_double() > -1e15 && v->as_double() < 1e15)
    return static_cast<std::int64_t>(v->as_double());
  return std::nullopt;
}

// Installed at start-up, and again by the JWKS source on each fetch (auth/jwks_source.h):
// readers hold the verifier they loaded for as long as they use it.
struct Installed {
  Mutex mu;
  std::shared_ptr<const JwtVerifier> verifier SYNCLINE_GUARDED_BY(mu);
  std::function<void()> on_unknown_kid SYNCLINE_GUARDED_BY(mu);
};
Installed& installed() {
  static Installed v;
  return v;
}

void unknown_kid() {
  std::function<void()> hook;
  {
    auto& in = installed();
    MutexLock lk(in.mu);
    hook = in.on_unknown_kid;
  }
  if (hook) hook();
}

}  // namespace

JwtVerifier::~JwtVerifier() = default;

Result<std::shared_ptr<const JwtVerifier>> JwtVerifier::create(const JwtSettings& s) {
  auto bad = [](std::string m) { return bad_request("JWT_CONFIG", std::move(m)); };
  if (!s.jwks_url.empty() || s.jwks_file.empty() == s.secret.empty())
    return bad("give exactly one of --jwt-jwks FILE, --jwt-jwks-url URL and --jwt-secret");
  if (!s.secret.empty() && s.secret.size() < 32)
    return bad("--jwt-secret must be at least 32 bytes (HS256)");
  if (!s.secret.empty()) {
    std::shared_ptr<JwtVerifier> v(new JwtVerifier());
    v->settings_ = s;
    return std::shared_ptr<const JwtVerifier>(std::move(v));
  }
  std::ifstream in(s.jwks_file, std::ios::binary);
  if (!in) return bad(s.jwks_file + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return from_jwks(s, text.str(), s.jwks_file);
}

Result<std::shared_ptr<const JwtVerifier>> JwtVerifier::from_jwks(const JwtSettings& s,
                                                                  std::string_view text,
                                                                  const std::string& source) {
  auto bad = [](std::string m) { return bad_request("JWT_CONFIG", std::move(m)); };
  std::shared_ptr<JwtVerifier> v(new JwtVerifier());
  v->settings_ = s;
  boost::system::error_code ec;
  auto doc = parse_json(text, ec);
  if (ec || !doc.is_object() || !doc.as_object().if_contains("keys") ||
      !doc.as_object().at("keys").is_array())
    return bad(source + ": not a JWKS document ({\"keys\": [...]})");
  int i = 0;
  for (const auto& k : doc.as_object().at("keys").as_array()) {
    if (!k.is_object()) return bad(source + ": keys[" + std::to_string(i) + "] is not an object");
    auto key = std::make_unique<Key>();
    std::string why;
    key->pkey = key_from_jwk(k.as_object(), key->alg, why);
    if (!key->pkey) return bad(source + ": keys[" + std::to_string(i) + "]: " + why);
    key->kid = str_of(k.as_object(), "kid");
    v->keys_.push_back(std::move(key));
    ++i;
  }
  if (v->keys_.empty()) return bad(source + ": no keys");
  return std::shared_ptr<const JwtVerifier>(std::move(v));
}

Result<JwtClaims> JwtVerifier::verify(std::string_view token, std::int64_t now) const {
  if (token.size() > kMaxToken) return invalid("longer than 8 KiB");
  auto d1 = token.find('.'), d2 = token.rfind('.');
  if (d1 == std::string_view::npos || d1 == d2) return invalid("not three segments");
  auto header_b = base64url_decode(token.substr(0, d1));
  auto payload_b = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto sig = base64url_decode(token.substr(d2 + 1));
  if (!header_b || !payload_b || !sig) return invalid("a segment is not base64url");
  boost::system::error_code ec;
  auto header = parse_json(*header_b, ec);
  if (ec || !header.is_object()) return invalid("header is not a JSON object");
  auto payload = parse_json(*payload_b, ec);
  if (ec || !payload.is_object()) return invalid("payload is not a JSON object");
  const auto& h = header.as_object();
  const auto& p = payload.as_object();

  // The algorithm is the key's, never the token's choice (no "none", no HS/RS confusion).
  const std::string alg = str_of(h, "alg"), kid = str_of(h, "kid");
  const std::string_view signed_part = token.substr(0, d2);
  bool ok = false;
  if (!settings_.secret.empty()) {
    if (alg != "HS256") return invalid("alg '" + alg + "' (HS256 expected)");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), settings_.secret.data(), static_cast<int>(settings_.secret.size()),
         reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), mac, &len);
    ok = sig->size() == len && CRYPTO_memcmp(mac, sig->data(), len) == 0;
  } else {
    if (alg != "RS256" && alg != "ES256")
      return invalid("alg '" + alg + "' (RS256 or ES256 expected)");
    std::optional<std::string> der;
    if (alg == "ES256" && !(der = es256_der(*sig)))
      return invalid("ES256 signature is not 64 bytes");
    bool any_key = false;
    for (const auto& k : keys_) {
      if (k->alg != alg || (!kid.empty() && !k->kid.empty() && k->kid != kid)) continue;
      any_key = true;
      if ((ok = verify_pkey(k->pkey, signed_part, der ? *der : *sig))) break;
    }
    if (!any_key) {
      if (!kid.empty()) unknown_kid();  // a rotation, perhaps: the JWKS source fetches again
      return invalid("no key for alg '" + alg + "'" + (kid.empty() ? "" : " kid '" + kid + "'"));
    }
  }
  if (!ok) return invalid("bad signature");

  auto exp = seconds(p, "exp");
  if (!exp) return invalid("no numeric exp claim");
  if (now > *exp + settings_.leeway_s) return unauthorized("TOKEN_EXPIRED", "the token expired");
  if (auto nbf = seconds(p, "nbf"); nbf && now + settings_.leeway_s < *nbf)
    return invalid("not valid yet (nbf)");
  if (!settings_.issuer.empty() && str_of(p, "iss") != settings_.issuer)
    return invalid("issuer is not '" + settings_.issuer + "'");
  if (!settings_.audience.empty()) {
    bool found = str_of(p, "aud") == settings_.audience;
    if (auto* aud = p.if_contains("aud"); aud && aud->is_array())
      for (const auto& a : aud->as_array())
        found = found || (a.is_string() && a.as_string() == settings_.audience);
    if (!found) return invalid("audience does not include '" + settings_.audience + "'");
  }
  JwtClaims c;
  c.sub = str_of(p, "sub");
  if (!is_valid_subject(c.sub))
    return invalid("sub must be 1..255 bytes of UTF-8 without control characters");
  c.email = str_of(p, "email").substr(0, 320);
  c.name = str_of(p, "name").substr(0, 200);
  c.exp = *exp;
  auto* orgs = p.if_contains(settings_.orgs_claim);
  if (!orgs || !orgs->is_object()) return invalid("no '" + settings_.orgs_claim + "' object claim");
  if (orgs->as_object().size() > kMaxOrgs) return invalid("more than 1000 organizations");
  for (const auto& kv : orgs->as_object()) {
    const std::string role = kv.value().is_string() ? std::string(kv.value().as_string()) : "";
    if (!is_valid_id(kv.key()) || (role != "admin" && role != "member"))
      return invalid("'" + settings_.orgs_claim +
                     "' must map organization ids to \"admin\" or \"member\"");
    c.orgs.emplace_back(std::string(kv.key()), role);
  }
  return c;
}

bool is_valid_subject(std::string_view sub) {
  return !sub.empty() && sub.size() <= kMaxSubjectBytes && is_valid_text(sub) &&
         std::none_of(sub.begin(), sub.end(), [](char ch) {
           auto u = static_cast<unsigned char>(ch);
           return u < 0x20 || u == 0x7f;
         });
}

std::string user_id_for_subject(std::string_view sub) {
  if (is_valid_id(sub)) return std::string(sub);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(sub.data(), sub.size(), digest, &n, EVP_sha256(), nullptr);
  return "jwt-" + base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), n));
}

bool looks_like_jwt(std::string_view token) {
  auto d1 = token.find('.');
  return d1 != std::string_view::npos && d1 != token.rfind('.') &&
         token.find('.', d1 + 1) == token.rfind('.');
}

void install_jwt(std::shared_ptr<const JwtVerifier> v) {
  auto& in = installed();
  MutexLock lk(in.mu);
  in.verifier = std::move(v);
}

std::shared_ptr<const JwtVerifier> jwt_verifier() {
  auto& in = installed();
  MutexLock lk(in.mu);
  return in.verifier;
}

void set_unknown_kid_hook(std::function<void()> hook) {
  auto& in = installed();
  MutexLock lk(in.mu);
  in.on_unknown_kid = std::move(hook);
}

}  // namespace syncline::auth
