// The text-merge history is bounded in bytes per organization (DESIGN §21, issue 26): the
// active CDC worker drops an org's oldest kept values past --history-bytes-per-org, newest
// first kept, every version's hash kept; another org's history is untouched.
#include <gtest/gtest.h>

#include <random>

#include "support/cdc_fixture.h"
#include "support/fixtures.h"
#include "support/mutations.h"

namespace syncline::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kBound = 16384;

// 4 KB that compress badly: each version's stored size is about its length.
std::string noise(unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> letter('a', 'z');
  std::string out(4096, ' ');
  for (auto& c : out) c = static_cast<char>(letter(rng));
  return out;
}

class HistoryBound : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    worker_ = start_cdc_worker({"--history-bytes-per-org", std::to_string(kBound)});
  }
  static void TearDownTestSuite() { stop_cdc_worker(worker_); }
  // `versions` values of the page's description, each written against the one before; the
  // last transaction.
  std::string write(const TestUser& as, const std::string& org, int versions, std::size_t len) {
    const auto base = "/organizations/" + org + "/pages";
    std::string tx = next_tx_id();
    EXPECT_EQ(
        http_
            .send(
                "POST", base,
                create_body(
                    {{"id", "doc"}, {"name", "Doc"}, {"description", noise(0).substr(0, len)}}, tx),
                as.token)
            .status,
        201);
    for (int i = 1; i < versions; ++i) {
      auto next = next_tx_id();
      EXPECT_EQ(http_
                    .send("PATCH", base + "/doc",
                          update_body("description",
                                      json::value(noise(static_cast<unsigned>(i)).substr(0, len)),
                                      next, tx),
                          as.token)
                    .status,
                200);
      tx = next;
    }
    return tx;
  }
  std::string of(const std::string& org, const std::string& what) {
    return sql_value("SELECT " + what + " FROM field_history WHERE organization_id = '" + org +
                     "'");
  }

  static inline Process* worker_ = nullptr;
  Http http_ = api();
};

TEST_F(HistoryBound, AnOrgPastItsBytesLosesItsOldestValuesNeverTheirHashesCOLLAB) {
  auto big = sign_up(http_, "Big writer"), small = sign_up(http_, "Small writer");
  const auto big_org = std::string(create_org(http_, big)["id"].as_string());
  const auto small_org = std::string(create_org(http_, small)["id"].as_string());
  write(small, small_org, 3, 100);
  const auto newest = write(big, big_org, 10, 4096);
  ASSERT_TRUE(wait_until(
      [&] { return std::stoll(of(big_org, "coalesce(sum(pg_column_size(value)), 0)")) <= kBound; },
      30s))
      << of(big_org, "sum(pg_column_size(value))") << "\n"
      << worker_->log();
  EXPECT_EQ(of(big_org, "count(*)"), "10");  // every version still known by its hash
  EXPECT_EQ(of(big_org, "count(value_sha256)"), "10");
  const int kept = std::stoi(of(big_org, "count(value)"));
  EXPECT_GE(kept, 2);  // the newest ones that fit the bound
  EXPECT_LE(kept, 4);
  EXPECT_EQ(of(big_org, "count(value) FILTER (WHERE transaction_id = '" + newest + "')"), "1");
  EXPECT_EQ(of(small_org, "count(value)"), "3");  // another tenant's history is untouched
}

}  // namespace
}  // namespace syncline::test
