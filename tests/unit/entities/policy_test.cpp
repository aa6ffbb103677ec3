// The permission table of DESIGN §7 (SEC-001..005): one function for REST and streams.
#include "entities/policy.h"

#include <gtest/gtest.h>

namespace syncline::entities {

namespace {
bool allowed(const char* type, const char* role, Op op, bool own) {
  Actor a{"u1", false, role ? std::optional<std::string>(role) : std::nullopt};
  return is_permission_allowed(a, op, *find_by_name(type), own ? "u1" : "u2");
}
}  // namespace

TEST(Policy, PagesMembersDeleteOnlyTheirOwnSEC001) {
  for (Op op : {Op::kCreate, Op::kRead, Op::kUpdate}) {
    EXPECT_TRUE(allowed("page", "member", op, false));
    EXPECT_TRUE(allowed("page", "admin", op, false));
  }
  EXPECT_FALSE(allowed("page", "member", Op::kDelete, false));
  EXPECT_TRUE(allowed("page", "member", Op::kDelete, true));
  EXPECT_TRUE(allowed("page", "admin", Op::kDelete, false));
}

TEST(Policy, AttachmentsMembersUpdateAndDeleteOnlyTheirOwnSEC002) {
  EXPECT_TRUE(allowed("attachment", "member", Op::kCreate, false));
  EXPECT_TRUE(allowed("attachment", "member", Op::kRead, false));
  for (Op op : {Op::kUpdate, Op::kDelete}) {
    EXPECT_FALSE(allowed("attachment", "member", op, false));
    EXPECT_TRUE(allowed("attachment", "member", op, true));
    EXPECT_TRUE(allowed("attachment", "admin", op, false));
  }
}

TEST(Policy, NonMembersGetNothingAndSystemAdminsBypassSEC003) {
  for (Op op : {Op::kCreate, Op::kRead, Op::kUpdate, Op::kDelete}) {
    EXPECT_FALSE(allowed("page", nullptr, op, true));
    Actor sys{"root", true, std::nullopt};
    EXPECT_TRUE(is_permission_allowed(sys, op, *find_by_name("attachment"), "someone"));
  }
  EXPECT_EQ(grant_for(Actor{"u", false, "member"}, Op::kDelete, *find_by_name("page")),
            Grant::kOwn);
}

// ADOPT-004: a JWT user's rows hold its subject as issued ("auth0|…"), not the user id we
// derive from it; `own` compares that.
TEST(Policy, OwnComparesAJwtUsersSubjectADOPT004) {
  Actor jwt{"jwt-derived", false, "member"};
  jwt.subject = "auth0|65f1";
  EXPECT_EQ(jwt.owner_id(), "auth0|65f1");
  const auto& attachment = *find_by_name("attachment");
  EXPECT_TRUE(is_permission_allowed(jwt, Op::kUpdate, attachment, "auth0|65f1"));
  EXPECT_FALSE(is_permission_allowed(jwt, Op::kUpdate, attachment, "jwt-derived"));
  Actor local{"u1", false, "member"};
  EXPECT_EQ(local.owner_id(), "u1");
  EXPECT_TRUE(is_permission_allowed(local, Op::kUpdate, attachment, "u1"));
}

TEST(Registry, TypesAreDeclaredOnceSCHEMA001) {
  ASSERT_NE(find_by_plural("pages"), nullptr);
  EXPECT_EQ(find_by_plural("pages")->name, "page");
  EXPECT_EQ(find_by_plural("attachments")->table_name, "attachments");
  EXPECT_EQ(find_by_plural("attachments")->table, "public.attachments");
  EXPECT_EQ(find_by_plural("users"), nullptr);
  const auto* page = find_by_name("page");
  ASSERT_NE(page->field("displayOrder"), nullptr);
  EXPECT_EQ(page->field("displayOrder")->column, "display_order");
  EXPECT_FALSE(page->field("createdAt")->writable());
  EXPECT_EQ(page->field("id"), nullptr);  // id and organizationId are not data fields
}

}  // namespace syncline::entities
