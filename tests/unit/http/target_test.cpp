// The request target reaches SQL parameters and logs decoded: it must be text, and a segment
// must not smuggle a '/'.
#include <gtest/gtest.h>

#include "http/target.h"

namespace syncline::http {

TEST(Target, DecodesPathAndQueryInOrderAPI002) {
  auto t = parse_target("/organizations/ac%20me/live?offset=-1&live=sse&flag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/organizations/ac me/live");
  ASSERT_EQ(t->query.size(), 3u);
  EXPECT_EQ(t->query[0], (std::pair<std::string, std::string>{"offset", "-1"}));
  EXPECT_EQ(t->query[2].first, "flag");
  EXPECT_EQ(parse_target("/")->path, "/");
}

TEST(Target, RejectsWhatIsNotTextOrSmugglesASlashAPI002) {
  for (const char* bad :
       {"", "no-slash", "/a%2Fb", "/a%00", "/a?x=%00", "/a?%ff=1", "/%c3", "http://host/a", "/a b"})
    EXPECT_FALSE(parse_target(bad)) << bad;
}

}  // namespace syncline::http
