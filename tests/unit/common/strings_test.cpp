// Text validation shared by every input path.
#include "common/strings.h"

#include <gtest/gtest.h>

namespace syncline {

TEST(Strings, IdsAreUrlSafeAndBoundedCON3) {
  EXPECT_TRUE(is_valid_id("abc_DEF-123"));
  EXPECT_TRUE(is_valid_id(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_id(std::string(65, 'a')));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id("a b"));
  EXPECT_FALSE(is_valid_id("a/b"));
  EXPECT_FALSE(is_valid_id("é"));
}

TEST(Strings, TextMustBeUtf8WithoutNulAPI002) {
  EXPECT_TRUE(is_valid_text("plain"));
  EXPECT_TRUE(is_valid_text("grüße ✓ 𝄞"));
  EXPECT_FALSE(is_valid_text(std::string("a\0b", 3)));
  EXPECT_FALSE(is_valid_text("\xff"));
  EXPECT_FALSE(is_valid_text("\xc3"));          // truncated sequence
  EXPECT_FALSE(is_valid_text("\xe2\x28\xa1"));  // bad continuation
  EXPECT_EQ(utf8_length("grüße"), 5u);
  EXPECT_EQ(utf8_length("𝄞"), 1u);
}

TEST(Strings, SplitTrimLowerSEC001) {
  auto parts = split("a; b ;c", ';');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(trim(parts[1]), "b");
  EXPECT_EQ(to_lower("Bearer"), "bearer");
}

}  // namespace syncline
