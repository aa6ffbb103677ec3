// main() of every integration test binary: one private cluster + server for the binary.
#include <gtest/gtest.h>

#include "support/fixtures.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new syncline::test::ServerEnvironment);
  return RUN_ALL_TESTS();
}
