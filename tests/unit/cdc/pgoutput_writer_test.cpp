// Each pgoutput reader reads back exactly what its writer wrote (issue 27 item 3), and refuses
// what Postgres never sends (CDC-003): a reader that accepted an impossible message would let
// the worker acknowledge a commit it misread.
#include <gtest/gtest.h>

#include "cdc/pgoutput.h"
#include "pgoutput_bytes.h"

namespace syncline::cdc {
namespace {
using namespace testing_bytes;

TEST(PgoutputWriter, EverySampleIsWrittenBackByteForByteCDC001) {
  for (const auto& bytes : all_sample_messages()) {
    auto decoded = decode_message(bytes);
    ASSERT_TRUE(std::holds_alternative<Message>(decoded)) << hex(bytes);
    EXPECT_EQ(hex(encode_message(std::get<Message>(decoded))), hex(bytes));
  }
}

TEST(PgoutputWriter, StreamBlockMessagesCarryTheirXidBothWaysCDC001) {
  Insert insert{777, 16384, {{Value::kText, "42"}, {Value::kNull, {}}}};
  Relation relation{777, 16384, "public", "items", 'f', {{true, "id", 20, -1}}};
  Truncate truncate{777, 1, {16384}};
  for (const Message& m : std::vector<Message>{insert, relation, truncate}) {
    const auto bytes = encode_message(m, /*in_stream=*/true);
    auto back = decode_message(bytes, /*in_stream=*/true);
    ASSERT_TRUE(std::holds_alternative<Message>(back)) << hex(bytes);
    EXPECT_EQ(encode_message(std::get<Message>(back), true), bytes);
    EXPECT_NE(encode_message(m, /*in_stream=*/false), bytes);  // outside a block: no xid
  }
  auto i = std::get<Insert>(std::get<Message>(decode_message(encode_message(insert, true), true)));
  EXPECT_EQ(i.xid, 777u);
  EXPECT_EQ(i.new_tuple.size(), 2u);
}

TEST(PgoutputWriter, StreamControlMessagesRoundTripCDC001) {
  const std::vector<Message> all{StreamStart{701, true}, StreamStop{},
                                 StreamCommit{701, 0, kFinalLsn, kEndLsn, kTime},
                                 StreamAbort{701, 703}};
  for (const auto& m : all) {
    const auto bytes = encode_message(m);
    auto back = decode_message(bytes);
    ASSERT_TRUE(std::holds_alternative<Message>(back)) << hex(bytes);
    EXPECT_EQ(std::get<Message>(back).index(), m.index());
    EXPECT_EQ(encode_message(std::get<Message>(back)), bytes);
  }
}

TEST(PgoutputWriter, ReadersRefuseWhatPostgresNeverSendsCDC003) {
  EXPECT_TRUE(decode_fails(encode_message(Begin{0, kTime, 5})));                    // no final LSN
  EXPECT_TRUE(decode_fails(encode_message(Begin{kFinalLsn, kTime, 0})));            // no xid
  EXPECT_TRUE(decode_fails(encode_message(Commit{0, kEndLsn, kFinalLsn, kTime})));  // ends early
  EXPECT_TRUE(decode_fails(encode_message(StreamCommit{9, 0, kEndLsn, kFinalLsn, kTime})));
  EXPECT_TRUE(decode_fails(encode_message(StreamStart{0, true})));
  EXPECT_TRUE(decode_fails(encode_message(Relation{0, 0, "public", "t", 'd', {}})));
  EXPECT_TRUE(decode_fails(encode_message(Truncate{0, 0, {}})));
  // The same messages with the field Postgres always sets decode.
  EXPECT_TRUE(decode_as<Begin>(encode_message(Begin{kFinalLsn, kTime, 5})));
  EXPECT_TRUE(decode_as<Commit>(encode_message(Commit{0, kFinalLsn, kFinalLsn, kTime})));
}

TEST(PgoutputWriter, FramesRoundTripAndKeepaliveFlagIsZeroOrOneCDC004) {
  const std::string payload = insert_msg();
  const auto w = encode_frame(XLogData{kFinalLsn, kEndLsn, kTime, payload});
  auto x = frame_as<XLogData>(w);
  ASSERT_TRUE(x);
  EXPECT_EQ(x->payload, payload);
  EXPECT_EQ(encode_frame(*x), w);
  const auto k = encode_frame(Keepalive{kEndLsn, kTime, true});
  ASSERT_TRUE(frame_as<Keepalive>(k));
  EXPECT_TRUE(frame_as<Keepalive>(k)->reply_requested);
  EXPECT_TRUE(frame_fails(Bytes().ch('k').u64(kEndLsn).i64(kTime).u8(2).str()));
}

}  // namespace
}  // namespace syncline::cdc
