// The session/membership cache of org-scoped requests (DESIGN §17, issue 16 item 2): used only
// while the bus listens, forgotten when it stops; an entry lapses at its TTL and at its
// session's expiry; a control notification drops the user's entries (of one org or all);
// refusals are never cached; bounded.
#include <gtest/gtest.h>

#include "orgs/access_cache.h"

namespace syncline::orgs {
namespace {

using namespace std::chrono_literals;

SessionAccess granted(const std::string& user, const std::string& org, std::int64_t expires_ms) {
  SessionAccess a{auth::Principal{user, user + "@example.test", user, false}, OrgAccess{},
                  expires_ms};
  a.access->org.id = org;
  a.access->role = "member";
  return a;
}

TEST(AccessCache, OnlyWhileTheBusListensSEC005) {
  AccessCache c;
  c.put("h1", "o1", granted("u1", "o1", 1'000'000), 0, c.generation());
  EXPECT_FALSE(c.find("h1", "o1", 1)) << "cached before the bus listened";
  c.set_live(true);
  c.put("h1", "o1", granted("u1", "o1", 1'000'000), 0, c.generation());
  ASSERT_TRUE(c.find("h1", "o1", 1));
  EXPECT_EQ(c.find("h1", "o1", 1)->principal.user_id, "u1");
  EXPECT_FALSE(c.find("h2", "o1", 1));
  EXPECT_FALSE(c.find("h1", "o2", 1));
  c.set_live(false);  // the bus lost its connection: notifications may be missed
  EXPECT_FALSE(c.find("h1", "o1", 1));
  c.set_live(true);
  EXPECT_FALSE(c.find("h1", "o1", 1)) << "kept across a lost connection";
}

TEST(AccessCache, EntriesLapseAtTheirTtlAndTheSessionsExpirySEC005) {
  AccessCache c(AccessCache::Options{5000ms, 100});
  c.set_live(true);
  c.put("h1", "o1", granted("u1", "o1", 1'000'000), 1000, c.generation());
  EXPECT_TRUE(c.find("h1", "o1", 5999));
  EXPECT_FALSE(c.find("h1", "o1", 6000));
  c.put("h2", "o1", granted("u2", "o1", 3000), 1000, c.generation());  // the session ends first
  EXPECT_TRUE(c.find("h2", "o1", 2999));
  EXPECT_FALSE(c.find("h2", "o1", 3000));
}

TEST(AccessCache, AControlNotificationDropsTheUsersEntriesSEC005) {
  AccessCache c;
  c.set_live(true);
  c.put("h1", "o1", granted("u1", "o1", 1'000'000), 0, c.generation());
  c.put("h1", "o2", granted("u1", "o2", 1'000'000), 0, c.generation());
  c.put("h2", "o1", granted("u2", "o1", 1'000'000), 0, c.generation());
  c.invalidate_user("u1", std::string("o1"));  // u1's membership of o1 changed
  EXPECT_FALSE(c.find("h1", "o1", 1));
  EXPECT_TRUE(c.find("h1", "o2", 1));
  EXPECT_TRUE(c.find("h2", "o1", 1));
  c.invalidate_user("u1", std::nullopt);  // u1 signed out (every org)
  EXPECT_FALSE(c.find("h1", "o2", 1));
  EXPECT_TRUE(c.find("h2", "o1", 1));
}

TEST(AccessCache, RefusalsAreNotCachedAndTheSizeIsBoundedSEC005) {
  AccessCache c(AccessCache::Options{5000ms, 3});
  c.set_live(true);
  SessionAccess refused{auth::Principal{"u1", "", "", false}, forbidden("not a member"), 1'000'000};
  c.put("h1", "o1", refused, 0, c.generation());
  EXPECT_FALSE(c.find("h1", "o1", 1));
  for (int i = 0; i < 10; ++i)
    c.put("h" + std::to_string(i), "o1", granted("u" + std::to_string(i), "o1", 1'000'000), 0,
          c.generation());
  EXPECT_LE(c.size(), 3u);
  EXPECT_TRUE(c.find("h9", "o1", 1));
}

// SEC-050: an answer read before a revocation (the read, then the notification, then the put)
// is not cached, so the revoked access cannot linger for a TTL.
TEST(AccessCache, AnAnswerReadBeforeAnInvalidationIsNotCachedSEC050) {
  AccessCache c;
  c.set_live(true);
  const auto read_at = c.generation();         // the request reads the database …
  c.invalidate_user("u1", std::string("o1"));  // … while the membership is removed
  c.put("h1", "o1", granted("u1", "o1", 1'000'000), 0, read_at);
  EXPECT_FALSE(c.find("h1", "o1", 1));
  c.put("h1", "o1", granted("u1", "o1", 1'000'000), 0, c.generation());  // read after it
  EXPECT_TRUE(c.find("h1", "o1", 1));
}

}  // namespace
}  // namespace syncline::orgs
