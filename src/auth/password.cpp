#include "auth/password.h"

#include <sodium.h>

#include <atomic>
#include <semaphore>
#include <stdexcept>

#include "common/error.h"

namespace syncline::auth {

namespace {
std::counting_semaphore<kConcurrentHashes> g_hash_slots(kConcurrentHashes);
std::atomic<int> g_admitted{0};

// Admission to the argon2id slots: bounded waiting, then 429.
class HashTurn {
 public:
  HashTurn() {
    if (g_admitted.fetch_add(1) >= kConcurrentHashes + kMaxWaiting) {
      g_admitted.fetch_sub(1);
      throw ApiError(
          Error{429, "RATE_LIMITED", "too many sign-ins at once; retry shortly", {}, {}});
    }
    g_hash_slots.acquire();
  }
  ~HashTurn() {
    g_hash_slots.release();
    g_admitted.fetch_sub(1);
  }
  HashTurn(const HashTurn&) = delete;
  HashTurn& operator=(const HashTurn&) = delete;
};
}  // namespace

std::string hash_password(const std::string& password) {
  HashTurn turn;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("argon2id: out of memory");
  return out;
}

bool verify_password(const std::string& stored_hash, const std::string& password) {
  HashTurn turn;
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

void burn_verify_time(const std::string& password) {
  static const std::string dummy = [] {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, "syncline-timing-equaliser", 25, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
      throw std::runtime_error("argon2id: out of memory");
    return std::string(out);
  }();
  (void)verify_password(dummy, password);
}

}  // namespace syncline::auth
