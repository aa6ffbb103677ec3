// Three-way merge of a text field (DESIGN §21, COLLAB-*): base = the value the writer last saw,
// mine = the writer's value, server = the value now. Pure; no I/O.
//
// The diff is libgit2's (git_diff_buffers: Myers with git's heuristics, maintained); the three-way
// rule on top of it is ours, and is the contract:
//   - by lines first; a region both sides changed is then merged again by words (a word with the
//     spaces after it; a line's newline belongs to its last word);
//   - two changes merge when at least one unchanged unit (line, then word) lies between them;
//     changes that overlap or touch are a conflict — a region one side deleted and the other
//     edited, and two insertions at the same place, included — unless both sides made the
//     identical change, which is taken once;
//   - conflicts come back with their ranges in code points, [begin, end) in each of the three.
// Bounded: texts over `max_bytes`, or a merge past `budget`, answer kTooExpensive (the caller's
// 409), never a stalled worker.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace syncline::merge {

struct TextRange {
  std::size_t begin = 0, end = 0;  // code points
  bool operator==(const TextRange&) const = default;
};

struct TextConflict {
  TextRange base, mine, server;
  bool operator==(const TextConflict&) const = default;
};

struct MergeLimits {
  std::size_t max_bytes = 1 << 20;  // each of the three texts
  std::chrono::milliseconds budget{200};
};

struct TextMerge {
  enum class Outcome { kMerged, kConflict, kTooExpensive };
  Outcome outcome = Outcome::kConflict;
  std::string merged;                   // kMerged: the value both edits give
  std::vector<TextConflict> conflicts;  // kConflict, in base order
};

TextMerge merge_text(std::string_view base, std::string_view mine, std::string_view server,
                     const MergeLimits& limits = {});

}  // namespace syncline::merge
