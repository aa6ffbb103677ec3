// Three-way text merge (DESIGN §21, COLLAB-*): the contract's cases one by one, then properties
// over thousands of random documents and edit pairs: edits in disjoint regions (lines apart, or
// words apart within one line) always merge to the result of applying both; the same region
// edited differently is always a conflict, with its ranges in code points; nothing is lost or
// duplicated (the merge equals the text both edits make).
#include "merge/text_merge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace syncline::merge {

namespace {

using Outcome = TextMerge::Outcome;

std::string merged(std::string_view base, std::string_view mine, std::string_view server) {
  auto r = merge_text(base, mine, server);
  EXPECT_EQ(r.outcome, Outcome::kMerged) << "base:\n"
                                         << base << "mine:\n"
                                         << mine << "server:\n"
                                         << server;
  return r.merged;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST(TextMerge, EditsOfDifferentLinesMergeCOLLAB) {
  const std::string base = "one\ntwo\nthree\nfour\nfive\nsix\n";
  EXPECT_EQ(
      merged(base, "ONE\ntwo\nthree\nfour\nfive\nsix\n", "one\ntwo\nthree\nfour\nfive\nSIX\n"),
      "ONE\ntwo\nthree\nfour\nfive\nSIX\n");
  // One unchanged line between them is enough.
  EXPECT_EQ(
      merged(base, "ONE\ntwo\nthree\nfour\nfive\nsix\n", "one\ntwo\nTHREE\nfour\nfive\nsix\n"),
      "ONE\ntwo\nTHREE\nfour\nfive\nsix\n");
  // An insertion on one side, a deletion on the other.
  EXPECT_EQ(merged(base, "one\nnew\ntwo\nthree\nfour\nfive\nsix\n", "one\ntwo\nthree\nfour\nsix\n"),
            "one\nnew\ntwo\nthree\nfour\nsix\n");
}

TEST(TextMerge, EditsOfDifferentWordsOfOneLineMergeCOLLAB) {
  const std::string base = "the quick brown fox jumps over the lazy dog\n";
  EXPECT_EQ(merged(base, "the QUICK brown fox jumps over the lazy dog\n",
                   "the quick brown fox jumps over the lazy cat\n"),
            "the QUICK brown fox jumps over the lazy cat\n");
}

TEST(TextMerge, TheSameRegionEditedDifferentlyIsAConflictWithItsRangesCOLLAB) {
  // Code points, not bytes: "é" is one.
  const std::string base = "café au lait\nsecond line\n";
  auto r = merge_text(base, "café au cream\nsecond line\n", "café au sucre\nsecond line\n");
  ASSERT_EQ(r.outcome, Outcome::kConflict);
  EXPECT_TRUE(r.merged.empty());
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].base, (TextRange{8, 13}));  // "lait\n"
  EXPECT_EQ(r.conflicts[0].mine, (TextRange{8, 14}));  // "cream\n"
  EXPECT_EQ(r.conflicts[0].server, (TextRange{8, 14}));
}

TEST(TextMerge, DeleteVersusEditIsAConflictCOLLAB) {
  const std::string base = "keep\nthis paragraph is long\nkeep too\n";
  auto r = merge_text(base, "keep\nkeep too\n", "keep\nthis paragraph is longer\nkeep too\n");
  ASSERT_EQ(r.outcome, Outcome::kConflict);
  EXPECT_EQ(r.conflicts.size(), 1u);
  // And the other way round.
  EXPECT_EQ(
      merge_text(base, "keep\nthis paragraph is longer\nkeep too\n", "keep\nkeep too\n").outcome,
      Outcome::kConflict);
}

TEST(TextMerge, InsertionsAtTheSamePlaceConflictUnlessIdenticalCOLLAB) {
  const std::string base = "a\nb\n";
  EXPECT_EQ(merge_text(base, "a\nmine\nb\n", "a\ntheirs\nb\n").outcome, Outcome::kConflict);
  EXPECT_EQ(merged(base, "a\nsame\nb\n", "a\nsame\nb\n"), "a\nsame\nb\n");  // taken once
}

TEST(TextMerge, IdenticalEditsAndOneSidedEditsMergeCOLLAB) {
  EXPECT_EQ(merged("x y z\n", "x Y z\n", "x Y z\n"), "x Y z\n");
  EXPECT_EQ(merged("x y z\n", "x y z\n", "x y Z\n"), "x y Z\n");
  EXPECT_EQ(merged("", "", "new\n"), "new\n");
  // Without a final newline.
  EXPECT_EQ(merged("one two three", "one two three four", "ONE two three"), "ONE two three four");
}

TEST(TextMerge, TooBigIsRefusedNotWorkedOnCOLLAB) {
  MergeLimits small;
  small.max_bytes = 16;
  EXPECT_EQ(merge_text(std::string(17, 'a'), "a", "b", small).outcome, Outcome::kTooExpensive);
  MergeLimits no_time;
  no_time.budget = std::chrono::milliseconds(-1);
  EXPECT_EQ(merge_text("a\n", "b\n", "c\n", no_time).outcome, Outcome::kTooExpensive);
}

// Random documents of unique lines ("L7" and words "L7w3"): every unit is distinct, so "applying
// both edits" has one meaning to compare the merge with.
class RandomEdits {
 public:
  explicit RandomEdits(unsigned seed) : rng_(seed) {}
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  std::vector<std::string> document(int lines) {
    std::vector<std::string> out;
    for (int i = 0; i < lines; ++i) out.push_back(line("L" + std::to_string(i)));
    return out;
  }
  std::string line(const std::string& tag) {
    std::string out;
    const int words = pick(1, 9);
    for (int w = 0; w < words; ++w) out += (w ? " " : "") + tag + "w" + std::to_string(w);
    return out;
  }
  // One edit of line i on `side`: replace, delete, or insert a new line before it.
  void edit(std::vector<std::optional<std::string>>& replaced,
            std::vector<std::vector<std::string>>& inserted, int i, const std::string& side) {
    switch (pick(0, 2)) {
      case 0:
        replaced[i] = line(side + std::to_string(++n_));
        break;
      case 1:
        replaced[i] = std::string("\x01");  // deleted
        break;
      default:
        inserted[i].push_back(line(side + std::to_string(++n_)));
    }
  }

 private:
  std::mt19937 rng_;
  int n_ = 0;
};

struct Edits {
  std::vector<std::optional<std::string>> replaced;  // "\x01": deleted
  std::vector<std::vector<std::string>> inserted;    // before line i
  explicit Edits(std::size_t n) : replaced(n), inserted(n + 1) {}
};

std::vector<std::string> applied(const std::vector<std::string>& base, const Edits& a,
                                 const Edits& b) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i <= base.size(); ++i) {
    for (const auto* e : {&a, &b})
      for (const auto& l : e->inserted[i]) out.push_back(l);
    if (i == base.size()) break;
    const auto& r = a.replaced[i] ? a.replaced[i] : b.replaced[i];
    if (!r)
      out.push_back(base[i]);
    else if (*r != "\x01")
      out.push_back(*r);
  }
  return out;
}

TEST(TextMerge, EditsOfLinesApartAlwaysMergeToBothEditsPropertyCOLLAB) {
  RandomEdits gen(20261206);
  for (int round = 0; round < 2000; ++round) {
    const auto base = gen.document(gen.pick(8, 40));
    const auto n = base.size();
    Edits mine(n), server(n), none(n);
    std::set<int> taken;  // lines either side edits, with 3 untouched lines around each
    auto free_line = [&](int i) {
      for (int d = -3; d <= 3; ++d)
        if (taken.count(i + d)) return false;
      return true;
    };
    for (int k = 0; k < gen.pick(1, 4); ++k) {
      int i = gen.pick(0, static_cast<int>(n) - 1);
      if (!free_line(i)) continue;
      taken.insert(i);
      gen.edit(mine.replaced, mine.inserted, i, "M");
    }
    for (int k = 0; k < gen.pick(1, 4); ++k) {
      int i = gen.pick(0, static_cast<int>(n) - 1);
      if (!free_line(i)) continue;
      taken.insert(i);
      gen.edit(server.replaced, server.inserted, i, "S");
    }
    const auto m = join(applied(base, mine, none)), s = join(applied(base, server, none));
    auto r = merge_text(join(base), m, s);
    ASSERT_EQ(r.outcome, Outcome::kMerged) << "round " << round << "\n" << join(base) << m << s;
    ASSERT_EQ(r.merged, join(applied(base, mine, server))) << "round " << round;
  }
}

TEST(TextMerge, EditsOfWordsApartInOneLineAlwaysMergePropertyCOLLAB) {
  RandomEdits gen(7);
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> words;
    const int n = gen.pick(6, 30);
    for (int w = 0; w < n; ++w) words.push_back("w" + std::to_string(w));
    auto text = [](const std::vector<std::string>& ws) {
      std::string out;
      for (const auto& w : ws)
        if (!w.empty()) out += (out.empty() ? "" : " ") + w;
      return out + "\n";
    };
    const int i = gen.pick(0, n - 1);
    int j = gen.pick(0, n - 1);
    if (std::abs(i - j) < 4) j = i + 4 < n ? i + 4 : i - 4;
    if (j < 0 || j >= n) continue;
    auto mine = words, server = words, both = words;
    mine[i] = both[i] = gen.pick(0, 3) == 0 ? "" : "M" + std::to_string(round);
    server[j] = both[j] = gen.pick(0, 3) == 0 ? "" : "S" + std::to_string(round);
    auto r = merge_text(text(words), text(mine), text(server));
    ASSERT_EQ(r.outcome, Outcome::kMerged) << text(words) << text(mine) << text(server);
    ASSERT_EQ(r.merged, text(both)) << text(words) << text(mine) << text(server);
  }
}

TEST(TextMerge, TheSameWordOrLineEditedDifferentlyAlwaysConflictsPropertyCOLLAB) {
  RandomEdits gen(99);
  for (int round = 0; round < 2000; ++round) {
    const auto base = gen.document(gen.pick(3, 30));
    const int i = gen.pick(0, static_cast<int>(base.size()) - 1);
    auto mine = base, server = base;
    const bool whole_line = gen.pick(0, 1) == 0;
    if (whole_line) {
      mine[i] = gen.line("M" + std::to_string(round));
      server[i] = gen.line("S" + std::to_string(round));
    } else {  // the first word of the line, two different ways
      mine[i] = "M" + std::to_string(round) + base[i].substr(base[i].find('w') + 2);
      server[i] = "S" + std::to_string(round) + base[i].substr(base[i].find('w') + 2);
    }
    auto r = merge_text(join(base), join(mine), join(server));
    ASSERT_EQ(r.outcome, Outcome::kConflict) << join(base) << join(mine) << join(server);
    ASSERT_FALSE(r.conflicts.empty());
    for (const auto& c : r.conflicts) {
      EXPECT_LE(c.base.begin, c.base.end);
      EXPECT_LE(c.mine.end, join(mine).size());
      EXPECT_LE(c.server.end, join(server).size());
    }
  }
}

}  // namespace syncline::merge
