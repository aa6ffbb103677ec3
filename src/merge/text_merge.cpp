#include "merge/text_merge.h"

#include <git2.h>

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>

namespace syncline::merge {

namespace {

using Clock = std::chrono::steady_clock;
using Units = std::vector<std::string_view>;

// Lines, each with its newline.
Units lines_of(std::string_view t) {
  Units out;
  for (std::size_t start = 0; start < t.size();) {
    auto nl = t.find('\n', start);
    auto end = nl == std::string_view::npos ? t.size() : nl + 1;
    out.push_back(t.substr(start, end - start));
    start = end;
  }
  return out;
}

// Words: non-blank characters with the blanks after them, up to and including a newline (a
// line's leading blanks are a unit of their own).
Units words_of(std::string_view t) {
  Units out;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  for (std::size_t i = 0; i < t.size();) {
    const auto start = i;
    while (i < t.size() && !blank(t[i])) ++i;
    while (i < t.size() && blank(t[i]))
      if (t[i++] == '\n') break;
    out.push_back(t.substr(start, i - start));
  }
  return out;
}

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Code points before each unit, and after the last: offsets[i] is where unit i starts.
std::vector<std::size_t> offsets_of(const Units& units, std::size_t first) {
  std::vector<std::size_t> out{first};
  for (auto u : units) out.push_back(out.back() + code_points(u));
  return out;
}

std::string joined(const Units& units, std::size_t from, std::size_t to) {
  std::string out;
  for (auto i = from; i < to; ++i) out += units[i];
  return out;
}

// Base units [b0, b1) became the other side's [o0, o1).
struct Hunk {
  std::size_t b0, b1, o0, o1;
};

int on_hunk(const git_diff_delta*, const git_diff_hunk* h, void* payload) {
  // Unified-diff numbering: 1-based, and an empty range names the line before it.
  auto start = [](int first, int count) {
    return static_cast<std::size_t>(count == 0 ? first : first - 1);
  };
  const auto b0 = start(h->old_start, h->old_lines), o0 = start(h->new_start, h->new_lines);
  static_cast<std::vector<Hunk>*>(payload)->push_back(
      {b0, b0 + static_cast<std::size_t>(h->old_lines), o0,
       o0 + static_cast<std::size_t>(h->new_lines)});
  return 0;
}

// libgit2 diffs lines: each unit becomes the line of its id, equal units equal lines.
class Differ {
 public:
  std::string encode(const Units& units) {
    std::string out;
    for (auto u : units) {
      auto [it, added] = ids_.emplace(u, ids_.size());
      out += std::to_string(it->second);
      out += '\n';
    }
    return out;
  }
  static std::optional<std::vector<Hunk>> diff(const std::string& base, const std::string& other) {
    git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
    opts.context_lines = 0;
    opts.interhunk_lines = 0;
    opts.flags = GIT_DIFF_FORCE_TEXT;
    std::vector<Hunk> hunks;
    if (git_diff_buffers(base.data(), base.size(), nullptr, other.data(), other.size(), nullptr,
                         &opts, nullptr, nullptr, on_hunk, nullptr, &hunks) != 0)
      return std::nullopt;
    return hunks;
  }

 private:
  std::unordered_map<std::string_view, std::size_t> ids_;
};

// A run of base units that one or both sides changed, with what each side has there.
struct Group {
  std::size_t b0, b1, m0, m1, s0, s1;
  bool mine_changed = false, server_changed = false;
};

// Cumulative length change of one side's hunks, walked in base order.
struct SideCursor {
  const std::vector<Hunk>& hunks;
  std::size_t next = 0;
  long shift = 0;  // other index − base index after the hunks taken so far

  bool has_next() const { return next < hunks.size(); }
  const Hunk& peek() const { return hunks[next]; }
  void take() {
    const auto& h = hunks[next++];
    shift += static_cast<long>(h.o1 - h.o0) - static_cast<long>(h.b1 - h.b0);
  }
  std::size_t at(std::size_t base) const { return static_cast<std::size_t>(base + shift); }
};

// Hunks that overlap or touch (no unchanged unit between them) form one group.
std::vector<Group> groups_of(const std::vector<Hunk>& mine, const std::vector<Hunk>& server) {
  std::vector<Group> out;
  SideCursor m{mine}, s{server};
  while (m.has_next() || s.has_next()) {
    const bool mine_first = !s.has_next() || (m.has_next() && m.peek().b0 <= s.peek().b0);
    Group g{};
    g.b0 = mine_first ? m.peek().b0 : s.peek().b0;
    g.b1 = g.b0;
    g.m0 = m.at(g.b0);
    g.s0 = s.at(g.b0);
    for (;;) {
      if (m.has_next() && m.peek().b0 <= g.b1) {
        g.b1 = std::max(g.b1, m.peek().b1);
        g.mine_changed = true;
        m.take();
      } else if (s.has_next() && s.peek().b0 <= g.b1) {
        g.b1 = std::max(g.b1, s.peek().b1);
        g.server_changed = true;
        s.take();
      } else {
        break;
      }
    }
    g.m1 = m.at(g.b1);
    g.s1 = s.at(g.b1);
    out.push_back(g);
  }
  return out;
}

class Merger {
 public:
  explicit Merger(Clock::time_point deadline) : deadline_(deadline) {}
  bool expired() const { return expired_; }

  // Merges at the unit level `words` (else lines, refining conflicting groups by words),
  // appending to `out` and `conflicts`; offsets are where these texts start in the whole ones.
  void merge(std::string_view base, std::string_view mine, std::string_view server, bool words,
             const TextConflict& at, std::string& out, std::vector<TextConflict>& conflicts) {
    const Units b = words ? words_of(base) : lines_of(base);
    const Units m = words ? words_of(mine) : lines_of(mine);
    const Units s = words ? words_of(server) : lines_of(server);
    Differ differ;
    const auto eb = differ.encode(b), em = differ.encode(m), es = differ.encode(s);
    auto mine_hunks = Differ::diff(eb, em);
    auto server_hunks = Differ::diff(eb, es);
    if (!mine_hunks || !server_hunks || Clock::now() > deadline_) {
      expired_ = true;
      return;
    }
    const auto bo = offsets_of(b, at.base.begin), mo = offsets_of(m, at.mine.begin),
               so = offsets_of(s, at.server.begin);
    std::size_t copied = 0;  // base units up to here are in `out`
    for (const auto& g : groups_of(*mine_hunks, *server_hunks)) {
      out += joined(b, copied, g.b0);
      copied = g.b1;
      const auto mine_text = joined(m, g.m0, g.m1), server_text = joined(s, g.s0, g.s1);
      if (!g.server_changed || mine_text == server_text) {
        out += mine_text;  // one side's change, or the same change on both
      } else if (!g.mine_changed) {
        out += server_text;
      } else if (!words) {
        merge(joined(b, g.b0, g.b1), mine_text, server_text, true,
              {{bo[g.b0], 0}, {mo[g.m0], 0}, {so[g.s0], 0}}, out, conflicts);
        if (expired_) return;
      } else {
        conflicts.push_back({{bo[g.b0], bo[g.b1]}, {mo[g.m0], mo[g.m1]}, {so[g.s0], so[g.s1]}});
      }
    }
    out += joined(b, copied, b.size());
  }

 private:
  Clock::time_point deadline_;
  bool expired_ = false;
};

void init_libgit2() {
  static const int once = git_libgit2_init();  // reference-counted; kept for the process
  (void)once;
}

}  // namespace

TextMerge merge_text(std::string_view base, std::string_view mine, std::string_view server,
                     const MergeLimits& limits) {
  TextMerge r;
  if (base.size() > limits.max_bytes || mine.size() > limits.max_bytes ||
      server.size() > limits.max_bytes) {
    r.outcome = TextMerge::Outcome::kTooExpensive;
    return r;
  }
  init_libgit2();
  Merger merger(Clock::now() + limits.budget);
  merger.merge(base, mine, server, false, {}, r.merged, r.conflicts);
  if (merger.expired()) {
    r = {};
    r.outcome = TextMerge::Outcome::kTooExpensive;
  } else if (!r.conflicts.empty()) {
    r.merged.clear();
    r.outcome = TextMerge::Outcome::kConflict;
  } else {
    r.outcome = TextMerge::Outcome::kMerged;
  }
  return r;
}

}  // namespace syncline::merge
