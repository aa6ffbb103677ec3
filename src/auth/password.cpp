#include "auth/password.h"

#include <sodium.h>

#include <stdexcept>

#include "auth/hash_gate.h"

namespace syncline::auth {

Result<std::string> hash_password(const std::string& password, const std::string& client) {
  auto turn = HashGate::instance().take(client);
  if (!turn) return turn.error();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("argon2id: out of memory");
  return std::string(out);
}

Result<bool> verify_password(const std::string& stored_hash, const std::string& password,
                             const std::string& client) {
  auto turn = HashGate::instance().take(client);
  if (!turn) return turn.error();
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

Result<void> burn_verify_time(const std::string& password, const std::string& client) {
  static const std::string dummy = [] {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, "syncline-timing-equaliser", 25, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
      throw std::runtime_error("argon2id: out of memory");
    return std::string(out);
  }();
  auto r = verify_password(dummy, password, client);
  if (!r) return r.error();
  return {};
}

}  // namespace syncline::auth
