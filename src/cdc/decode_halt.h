// When the CDC worker stops trying (issue 27 item 3). A replication message the decoder
// refuses comes back byte for byte on every replay from the slot, so reconnecting cannot mend
// it: after kTries sessions in a row failed on the message at the same WAL position, the
// worker halts with the reason instead of reconnecting forever. A failure at another position
// (the stream moved on) starts the count again. The standby meets the same bytes and halts
// too; /health/sync answers "status":"halted" with cdc.halted.reason and /metrics'
// syncline_cdc_halted is 1 until an operator acts (a fixed build, or the slot dropped).
#pragma once

#include <stdexcept>
#include <string>

#include "cdc/pgoutput.h"

namespace syncline::cdc {

// Thrown by a session for bytes it cannot decode, with the XLogData's WAL position.
class UndecodableMessage : public std::runtime_error {
 public:
  UndecodableMessage(Lsn at, const std::string& what)
      : std::runtime_error(what + " at " + format_lsn(at)), at_(at) {}
  Lsn at() const { return at_; }

 private:
  Lsn at_;
};

// The worker's halt on purpose: the reason is recorded for /health/sync before it is thrown.
class CdcHalted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DecodeStrikes {
 public:
  static constexpr int kTries = 3;
  // One more session failed at `at`; true when the worker should halt.
  bool strike(Lsn at) {
    if (at != at_) count_ = 0;
    at_ = at;
    return ++count_ >= kTries;
  }
  // A session ran past the message or failed for another reason (the database, the network).
  void clear() { count_ = 0; }

 private:
  Lsn at_ = 0;
  int count_ = 0;
};

}  // namespace syncline::cdc
