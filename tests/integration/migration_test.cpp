// Migrations keep existing data (SEC-046): a database at an older schema with rows in it is
// brought up to date by `syncline migrate`, and the rows are still there, under the new keys.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "support/fixtures.h"

namespace syncline::test {

namespace {
std::string file(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
}  // namespace

TEST(Migration, OrgScopedIdsKeepExistingRowsSEC046) {
  auto name = "mig_" + std::to_string(getpid());
  sql_value("CREATE DATABASE " + name + " OWNER syncline", db_url_as("postgres"));
  auto url = db_url();
  url.replace(url.rfind('/') + 1, std::string::npos, name);
  // The schema as it was before org-scoped ids (migrations 001..003), with data in it.
  sql_value(
      "CREATE TABLE schema_migrations (version text PRIMARY KEY,"
      " applied_at timestamptz NOT NULL DEFAULT now())",
      url);
  for (const char* m :
       {"001_initial", "002_write_path_abort", "003_applied_transactions_per_user"}) {
    sql_value(file(std::string(SYNCLINE_SOURCE_DIR "/migrations/") + m + ".sql"), url);
    sql_value(std::string("INSERT INTO schema_migrations(version) VALUES ('") + m + "')", url);
  }
  sql_value(
      "INSERT INTO users(id, email, name, password_hash) VALUES ('u1', 'u1@x.test', 'U', 'h');"
      "INSERT INTO organizations(id, slug, name) VALUES ('o1', 'o1', 'O1'), ('o2', 'o2', 'O2');"
      "INSERT INTO pages(id, organization_id, name, field_tx) VALUES"
      " ('home', 'o1', 'Home', '{\"name\": \"1764081234567.0000.laptop01\"}'),"
      " ('about', 'o2', 'About', '{}');"
      "INSERT INTO attachments(id, organization_id, name, filename, content_type, size)"
      " VALUES ('a1', 'o1', 'A', 'a.txt', 'text/plain', 1)",
      url);
  ASSERT_EQ(run_command({SYNCLINE_BINARY, "--database-url", url, "--log-level", "warn", "migrate"}),
            0);
  EXPECT_EQ(sql_value("SELECT string_agg(organization_id || '/' || id || '/' || name || '/' ||"
                      " field_tx::text, ',' ORDER BY id) FROM pages",
                      url),
            "o2/about/About/{},o1/home/Home/{\"name\": \"1764081234567.0000.laptop01\"}");
  EXPECT_EQ(sql_value("SELECT count(*) FROM attachments", url), "1");
  EXPECT_EQ(sql_value("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                      " WHERE conrelid = 'pages'::regclass AND contype = 'p'",
                      url),
            "PRIMARY KEY (organization_id, id)");
  // The same id now fits in another org.
  sql_value("INSERT INTO pages(id, organization_id, name) VALUES ('home', 'o2', 'Home too')", url);
  EXPECT_EQ(sql_value("SELECT count(*) FROM pages WHERE id = 'home'", url), "2");
  sql_value("DROP DATABASE " + name, db_url_as("postgres"));
}

// DATA-001..006, DATA-010..017: every table with a `tx` refuses a malformed one whatever writes
// it (the rule lives in the database, not only in the server), and takes a well-formed one or
// null. The rule is a PL/pgSQL function (migration 008): compiled once per session instead of
// re-planned by every statement that writes a row. Since ADOPT-001 the demo's pages and
// attachments are app tables (`schema apply` creates them without Syncline's CHECKs); the
// activity log is ours and keeps the rule.
TEST(Migration, TxColumnsRefuseMalformedTransactionsDATA001) {
  EXPECT_EQ(sql_value("SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
                      " WHERE p.proname = 'syncline_valid_tx'"),
            "plpgsql");
  auto insert = [](const std::string& table, const std::string& tx) {
    const std::string org =
        "INSERT INTO organizations(id, slug, name) VALUES ('txchk', "
        "'txchk-" +
        std::to_string(getpid()) + "', 'T');";
    // id -1: the log's first partition (the ids before it was partitioned) takes it; the others
    // exist only once the CDC worker makes them.
    const std::string row = "INSERT INTO " + table +
                            "(id, lsn, seq, organization_id, entity_type, entity_id, action,"
                            " tx) VALUES (-1, '0/1', 1, 'txchk', 'page', 'p', 'update', " +
                            tx + ");";
    sql_value("BEGIN;" + org + row + "ROLLBACK;");  // nothing is left behind
  };
  const std::string long_id(33, '1'), long_source(65, 's');
  for (const char* table : {"activities"}) {
    SCOPED_TRACE(table);
    for (const std::string& bad :
         {std::string("'[]'"), std::string(R"('{"transactionId": 5}')"),
          std::string(R"('{"sourceId": "s"}')"), R"('{"transactionId": ")" + long_id + R"("}')",
          R"('{"transactionId": "t", "sourceId": ")" + long_source + R"("}')",
          std::string(R"('{"transactionId": "t", "changedField": 3}')")}) {
      try {
        insert(table, bad);
        ADD_FAILURE() << "accepted tx " << bad;
      } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("check constraint"), std::string::npos) << e.what();
      }
    }
    EXPECT_NO_THROW(insert(table, "NULL"));
    EXPECT_NO_THROW(
        insert(table, R"('{"transactionId": "t", "sourceId": "s", "changedField": null}')"));
    EXPECT_NO_THROW(
        insert(table, R"('{"transactionId": "t", "sourceId": "s", "changedField": "name"}')"));
  }
}

}  // namespace syncline::test
