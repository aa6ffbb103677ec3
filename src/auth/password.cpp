#include "auth/password.h"

#include <sodium.h>

#include <stdexcept>

namespace syncline::auth {

std::string hash_password(const std::string& password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("argon2id: out of memory");
  return out;
}

bool verify_password(const std::string& stored_hash, const std::string& password) {
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

void burn_verify_time(const std::string& password) {
  static const std::string dummy = hash_password("syncline-timing-equaliser");
  (void)verify_password(dummy, password);
}

}  // namespace syncline::auth
