// OFFLINE-OFFSET-001..006: offsets are written at most once per interval, the last one is not
// lost on a quiet stream, and destruction flushes.
#include "syncline/offset_writer.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include "temp_db.h"

#include <filesystem>
#include <thread>

namespace syncline::client {

TEST(OffsetWriter, ABurstIsOneWriteThenTheLastIsWrittenWhenDueOFFLINEOFFSET002) {
  TempDb t;
  LocalStore store(t.path());
  OffsetWriter w(store, "o", std::chrono::milliseconds(300));
  for (int i = 1; i <= 1000; ++i) w.set(i);
  EXPECT_EQ(w.writes(), 1);         // the first, at once
  EXPECT_EQ(store.offset("o"), 1);  // the burst waits for the interval
  EXPECT_EQ(w.latest(), 1000);
  for (int i = 0; i < 100 && store.offset("o") != 1000; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(store.offset("o"), 1000);  // written when due, without a further set()
  EXPECT_EQ(w.writes(), 2);
}

TEST(OffsetWriter, DestructionFlushesAndPositionsOnlyMoveForwardOFFLINEOFFSET004) {
  TempDb t;
  LocalStore store(t.path());
  {
    OffsetWriter w(store, "o", std::chrono::seconds(60));
    w.set(5);
    w.set(9);
    w.set(7);  // older: ignored
    EXPECT_EQ(store.offset("o"), 5);
  }
  EXPECT_EQ(store.offset("o"), 9);
  OffsetWriter again(store, "o");
  EXPECT_EQ(again.latest(), 9);  // read on start
}

}  // namespace syncline::client
