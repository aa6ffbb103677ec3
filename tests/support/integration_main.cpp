// main() of every integration test binary: one private cluster + server for the binary.
#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "syncline/ordered_mutex.h"

namespace {

// Every in-process client of the binary kept the client's lock order (client/README.md): a
// broken one throws where it happens, and may be caught and logged there; this counts it.
class LockOrderEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    EXPECT_EQ(syncline::client::lock_order::violations(), 0u) << "the client's lock order broke";
  }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new syncline::test::ServerEnvironment);
  ::testing::AddGlobalTestEnvironment(new LockOrderEnvironment);
  return RUN_ALL_TESTS();
}
