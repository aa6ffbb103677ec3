// pgoutput proto 2 streaming (DESIGN §17, issue 16 item 3): the four stream messages decode
// field by field, change messages inside a stream block carry their (sub)transaction's xid
// first, and short or malformed input is an error value.
#include <gtest/gtest.h>

#include "cdc/pgoutput.h"
#include "pgoutput_bytes.h"

namespace syncline::cdc {
namespace {
using namespace testing_bytes;

template <class T>
std::optional<T> in_stream_as(std::string_view bytes) {
  auto result = decode_message(bytes, /*in_stream=*/true);
  if (const auto* error = std::get_if<DecodeError>(&result)) {
    ADD_FAILURE() << error->message << " for " << hex(bytes);
    return std::nullopt;
  }
  if (const auto* m = std::get_if<T>(&std::get<Message>(result))) return *m;
  ADD_FAILURE() << "wrong alternative #" << std::get<Message>(result).index();
  return std::nullopt;
}

TEST(PgoutputStream, DecodesStartStopCommitAbortCDC001) {
  auto start = decode_as<StreamStart>(Bytes().ch('S').u32(701).u8(1).str());
  ASSERT_TRUE(start);
  EXPECT_EQ(start->xid, 701u);
  EXPECT_TRUE(start->first_segment);
  EXPECT_FALSE(decode_as<StreamStart>(Bytes().ch('S').u32(701).u8(0).str())->first_segment);
  EXPECT_TRUE(in_stream_as<StreamStop>(Bytes().ch('E').str()));
  auto commit = decode_as<StreamCommit>(
      Bytes().ch('c').u32(701).u8(0).u64(kFinalLsn).u64(kEndLsn).i64(kTime).str());
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->xid, 701u);
  EXPECT_EQ(commit->commit_lsn, kFinalLsn);
  EXPECT_EQ(commit->end_lsn, kEndLsn);
  EXPECT_EQ(commit->commit_time, kTime);
  auto abort = decode_as<StreamAbort>(Bytes().ch('A').u32(701).u32(703).str());
  ASSERT_TRUE(abort);
  EXPECT_EQ(abort->xid, 701u);
  EXPECT_EQ(abort->subxid, 703u);
}

TEST(PgoutputStream, ChangesInAStreamBlockStartWithTheirXidCDC001) {
  auto ins =
      in_stream_as<Insert>(Bytes().ch('I').u32(703).u32(16384).ch('N').i16(1).text("x").str());
  ASSERT_TRUE(ins);
  EXPECT_EQ(ins->xid, 703u);
  EXPECT_EQ(ins->relid, 16384u);
  ASSERT_EQ(ins->new_tuple.size(), 1u);
  EXPECT_EQ(ins->new_tuple[0].text, "x");
  auto del =
      in_stream_as<Delete>(Bytes().ch('D').u32(703).u32(16384).ch('O').i16(1).text("x").str());
  ASSERT_TRUE(del);
  EXPECT_EQ(del->xid, 703u);
  auto upd =
      in_stream_as<Update>(Bytes().ch('U').u32(704).u32(16384).ch('N').i16(1).text("y").str());
  ASSERT_TRUE(upd);
  EXPECT_EQ(upd->xid, 704u);
  auto rel = in_stream_as<Relation>(
      Bytes().ch('R').u32(703).u32(16384).cstring("public").cstring("items").ch('f').i16(0).str());
  ASSERT_TRUE(rel);
  EXPECT_EQ(rel->xid, 703u);
  EXPECT_EQ(rel->relname, "items");
  auto tr = in_stream_as<Truncate>(Bytes().ch('T').u32(703).u32(1).u8(0).u32(16384).str());
  ASSERT_TRUE(tr);
  EXPECT_EQ(tr->relids, std::vector<std::uint32_t>{16384});
  // Outside a block the same insert reads differently: the xid prefix is only there in one.
  EXPECT_EQ(decode_as<Insert>(Bytes().ch('I').u32(16384).ch('N').i16(1).text("x").str())->xid, 0u);
}

TEST(PgoutputStream, ShortOrMalformedStreamMessagesAreErrorsCDC003) {
  for (const std::string& bad : {
           Bytes().ch('S').u32(1).str(),                             // no segment flag
           Bytes().ch('S').u32(1).u8(2).str(),                       // unknown flag
           Bytes().ch('E').u8(0).str(),                              // trailing byte
           Bytes().ch('c').u32(1).u8(0).u64(1).u64(2).str(),         // no time
           Bytes().ch('c').u32(1).u8(4).u64(1).u64(2).i64(3).str(),  // unknown flags
           Bytes().ch('A').u32(1).str(),                             // no subxid
       })
    EXPECT_TRUE(decode_fails(bad)) << hex(bad);
  // An insert inside a block missing its xid is short.
  auto r = decode_message(Bytes().ch('I').u32(16384).str(), true);
  EXPECT_TRUE(std::holds_alternative<DecodeError>(r));
}

}  // namespace
}  // namespace syncline::cdc
