// Keys from the identity provider's JWKS URL (DESIGN §19, ADOPT-004): a key rotation needs no
// restart. Fetched over https (system CAs, or --jwt-jwks-ca-file) at start — a failure refuses
// the start — then again when the document's max-age runs out (clamped to [60 s, 24 h]) or
// when a token names a kid no key has: at most once per 30 s whatever the kid, one fetch at a
// time, on a thread of its own (the token itself gets its 401 at once). A failed fetch keeps
// the keys in hand. A body over 64 KiB or a fetch over 5 s fails; jku/x5u are never followed.
#pragma once

#include <memory>

#include "auth/jwt.h"
#include "common/error.h"

namespace syncline::auth {

class JwksSource {
 public:
  // Fetches the keys once and installs them (install_jwt); then refreshes them until destroyed.
  static Result<std::unique_ptr<JwksSource>> start(const JwtSettings& s);
  ~JwksSource();
  JwksSource(const JwksSource&) = delete;
  JwksSource& operator=(const JwksSource&) = delete;

  struct State;

 private:
  explicit JwksSource(std::unique_ptr<State> s);
  std::unique_ptr<State> state_;
};

}  // namespace syncline::auth
