// Invariants (issue 27 item 4): SYNCLINE_ASSERT(cond, why) states one that the code around it
// relies on — a programmer's promise, never a check of input (inputs are errors as values,
// common/error.h); SYNCLINE_UNREACHABLE(why) marks a place no input can reach. Checked in every
// build: a broken one throws std::logic_error naming the condition, the reason and where, so
// the request that met it ends in a logged 500 (or the thread that met it restarts its loop)
// instead of going on with corrupt state.
#pragma once

#include <stdexcept>
#include <string>

namespace syncline {

[[noreturn]] inline void assert_failed(const char* cond, const std::string& why, const char* file,
                                       int line) {
  throw std::logic_error("invariant broken: " + why + " (" + cond + ") at " + file + ":" +
                         std::to_string(line));
}

}  // namespace syncline

#define SYNCLINE_ASSERT(cond, why)                                          \
  do {                                                                      \
    if (!(cond)) ::syncline::assert_failed(#cond, why, __FILE__, __LINE__); \
  } while (false)

#define SYNCLINE_UNREACHABLE(why) ::syncline::assert_failed("unreachable", why, __FILE__, __LINE__)
