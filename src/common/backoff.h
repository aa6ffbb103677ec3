// Exponential backoff for reconnects and retries (one helper for the CDC worker, the bus, its
// lanes, the client's live stream and its snapshot loads): `first`, doubling to `cap`, each delay spread by
// ±`jitter` so a fleet of nodes or clients does not retry in step. The caller resets it after a
// session that went well.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace syncline {

class Backoff {
 public:
  using ms = std::chrono::milliseconds;
  explicit Backoff(ms first = ms(1000), ms cap = ms(30'000), double jitter = 0.2)
      : first_(first), cap_(cap), jitter_(jitter), base_(first) {}

  // The delay before this retry; the next one is twice as long (up to the cap).
  ms next() {
    std::uniform_real_distribution<double> spread(1 - jitter_, 1 + jitter_);
    const auto d = ms(static_cast<ms::rep>(static_cast<double>(base_.count()) * spread(rng_)));
    base_ = std::min(base_ * 2, cap_);
    return d;
  }
  void reset() { base_ = first_; }

 private:
  ms first_, cap_;
  double jitter_;
  ms base_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace syncline
