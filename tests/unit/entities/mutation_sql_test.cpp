// The write path's statements (issue 27 item 2, API-020..024, API-030): SQL and parameters are
// made side by side, so every placeholder has its parameter and every parameter is used, and
// the text of a type's statement does not depend on the values (it is prepared once).
#include "entities/mutation_sql.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace syncline::entities {
namespace {

EntityType page_type() {
  EntityType t;
  t.name = "page";
  t.plural = "pages";
  t.sql_table = "\"public\".\"pages\"";
  t.key_column = "id";
  t.org_column = "organization_id";
  t.owner_column = "owner_id";
  Field title{"title", "title", FieldKind::kText};
  title.merge_text = true;
  Field rank{"rank", "rank", FieldKind::kInteger};
  rank.sql_default = "0";
  Field by{"modifiedBy", "modified_by", FieldKind::kId};
  by.audit = Audit::kModifiedBy;
  t.fields = {title, rank, by};
  return t;
}

Claim claim(const std::string& tx) {
  return {tx, "u1", "org1", "page", "p1", "update", "title", "src", "u1"};
}

// Every $n in the text is one of the parameters, and each parameter appears.
::testing::AssertionResult placeholders_match(const db::Statement& s) {
  std::set<std::size_t> used;
  const std::regex dollar(R"(\$([0-9]+))");
  for (std::sregex_iterator it(s.sql.begin(), s.sql.end(), dollar), end; it != end; ++it)
    used.insert(std::stoul((*it)[1]));
  for (std::size_t n = 1; n <= s.params.size(); ++n)
    if (!used.count(n)) return ::testing::AssertionFailure() << "$" << n << " unused: " << s.sql;
  if (!used.empty() && *used.rbegin() > s.params.size())
    return ::testing::AssertionFailure() << "$" << *used.rbegin() << " has no parameter";
  return ::testing::AssertionSuccess();
}

TEST(MutationSql, EveryPlaceholderHasItsParameterAPI020) {
  const auto t = page_type();
  const FieldValues values{{&t.fields[0], std::string("Hello")}};
  EXPECT_TRUE(placeholders_match(create_statement(t, claim("a"), "{}", "{}", values)));
  EXPECT_TRUE(placeholders_match(
      update_statement(t, t.fields[0], claim("a"), "{}", std::string("x"), true, "v")));
  EXPECT_TRUE(placeholders_match(delete_statement(t, claim("a"), std::nullopt, false)));
}

TEST(MutationSql, TheTextDependsOnTheTypeAndFieldOnlyAPI030) {
  const auto t = page_type();
  const FieldValues one{{&t.fields[0], std::string("Hello")}};
  const FieldValues other{{&t.fields[1], std::string("7")}};
  auto a = create_statement(t, claim("a"), "{}", "{}", one);
  auto b = create_statement(t, claim("b"), "{\"x\":1}", "{}", other);
  EXPECT_EQ(a.sql, b.sql);
  EXPECT_EQ(a.params.front(), "a");
  EXPECT_EQ(b.params.front(), "b");
  auto u1 = update_statement(t, t.fields[0], claim("a"), "{}", std::nullopt, true, "v");
  auto u2 = update_statement(t, t.fields[0], claim("b"), "{}", std::string("e"), false, "w");
  EXPECT_EQ(u1.sql, u2.sql);
  EXPECT_NE(u1.sql,
            update_statement(t, t.fields[1], claim("a"), "{}", std::nullopt, true, "1").sql);
  // A field a create does not give is bound as NULL (its default applies), not left out.
  std::size_t nulls = 0;
  for (const auto& p : a.params) nulls += !p.has_value();
  EXPECT_GE(nulls, 1u);
}

}  // namespace
}  // namespace syncline::entities
