// Replication frames ('w', 'k'), the 34-byte standby status update and LSN text (CDC-004).
#include "cdc/pgoutput.h"

#include <gtest/gtest.h>

#include <random>

#include "pgoutput_bytes.h"

namespace syncline::cdc {
namespace {
using namespace testing_bytes;

TEST(Pgoutput, DecodesXLogDataFrameWithPayloadViewCDC004) {
  const std::string payload = begin_msg();
  const std::string frame =
      Bytes().ch('w').u64(kFinalLsn).u64(kEndLsn).i64(kTime).raw(payload).str();
  ASSERT_EQ(frame.size(), 25u + payload.size());
  auto w = frame_as<XLogData>(frame);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->data_start, kFinalLsn);
  EXPECT_EQ(w->wal_end, kEndLsn);
  EXPECT_EQ(w->send_time, kTime);
  EXPECT_EQ(w->payload, payload);
  EXPECT_EQ(w->payload.data(), frame.data() + 25);  // a view into the input, not a copy
  auto begin = decode_as<Begin>(w->payload);
  ASSERT_TRUE(begin);
  EXPECT_EQ(begin->xid, 0xDEADBEEFu);

  // R and Y arrive with zero LSNs; an empty payload is still a well-formed frame.
  const std::string empty = Bytes().ch('w').u64(0).u64(0).i64(0).str();
  auto e = frame_as<XLogData>(empty);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data_start, 0u);
  EXPECT_TRUE(e->payload.empty());
}

TEST(Pgoutput, ShortXLogDataHeaderIsErrorCDC004) {
  const std::string frame = Bytes().ch('w').u64(1).u64(2).i64(3).str();
  for (std::size_t len = 0; len < 25; ++len) {
    std::string prefix = frame.substr(0, len);
    EXPECT_TRUE(frame_fails(prefix)) << "length " << len;
  }
}

TEST(Pgoutput, DecodesKeepaliveCDC004) {
  for (std::uint8_t reply : {0, 1}) {
    const std::string frame = Bytes().ch('k').u64(kEndLsn).i64(-5).u8(reply).str();
    ASSERT_EQ(frame.size(), 18u);
    auto k = frame_as<Keepalive>(frame);
    ASSERT_TRUE(k);
    EXPECT_EQ(k->wal_end, kEndLsn);
    EXPECT_EQ(k->send_time, -5);
    EXPECT_EQ(k->reply_requested, reply == 1);
  }
}

TEST(Pgoutput, MalformedKeepaliveLengthIsErrorCDC004) {
  const std::string frame = Bytes().ch('k').u64(kEndLsn).i64(kTime).u8(1).str();
  for (std::size_t len = 1; len < frame.size(); ++len) {
    std::string prefix = frame.substr(0, len);
    EXPECT_TRUE(frame_fails(prefix)) << "length " << len;
  }
  EXPECT_TRUE(frame_fails(frame + std::string(1, '\0')));
  EXPECT_TRUE(frame_fails(frame + "xyz"));
}

TEST(Pgoutput, UnknownFrameTagAndEmptyFrameAreErrorsCDC004) {
  EXPECT_TRUE(frame_fails(""));
  EXPECT_TRUE(frame_fails(std::string(1, '\0')));
  for (char tag : {'r', 'x', 'W', 'K', 'B', 'd', '\xff'}) {
    EXPECT_TRUE(frame_fails(Bytes().ch(tag).u64(1).u64(2).i64(3).u8(0).str())) << tag;
  }
}

TEST(Pgoutput, EncodesStatusUpdateAsThirtyFourBytesCDC004) {
  const Lsn write = 0x0102030405060708ULL;
  const Lsn flush = kEndLsn;
  const Lsn apply = 0xFFFFFFFFFFFFFFFFULL;
  const std::int64_t clock = kTime;
  for (bool reply : {false, true}) {
    const std::string out = encode_status_update(write, flush, apply, clock, reply);
    ASSERT_EQ(out.size(), 34u);
    const std::string expected =
        Bytes().ch('r').u64(write).u64(flush).u64(apply).i64(clock).u8(reply ? 1 : 0).str();
    EXPECT_EQ(hex(out), hex(expected));
    // Spot-check the layout without the builder: tag, then write big-endian, reply last.
    EXPECT_EQ(out[0], 'r');
    EXPECT_EQ(out.substr(1, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
    EXPECT_EQ(out.substr(9, 8), std::string("\x00\x00\x00\x16\xB3\x74\xD8\x78", 8));
    EXPECT_EQ(out.substr(17, 8), std::string(8, '\xff'));
    EXPECT_EQ(out[33], reply ? '\x01' : '\x00');
  }
  // A negative clock is sent as its two's complement.
  const std::string negative = encode_status_update(0, 0, 0, -1, false);
  ASSERT_EQ(negative.size(), 34u);
  EXPECT_EQ(negative.substr(25, 8), std::string(8, '\xff'));
}

// --- LSN text and time ------------------------------------------------------------------------

TEST(Pgoutput, FormatsAndParsesLsnRoundTripCDC004) {
  EXPECT_EQ(format_lsn(kFinalLsn), "16/B374D848");
  EXPECT_EQ(format_lsn(0), "0/0");
  EXPECT_EQ(format_lsn(0xFFFFFFFFFFFFFFFFULL), "FFFFFFFF/FFFFFFFF");
  for (const char* text : {"16/B374D848", "0/0", "FFFFFFFF/FFFFFFFF", "1/0", "0/1"}) {
    auto lsn = parse_lsn(text);
    ASSERT_TRUE(lsn) << text;
    EXPECT_EQ(format_lsn(*lsn), text);
  }
  EXPECT_EQ(parse_lsn("16/B374D848"), kFinalLsn);
  EXPECT_EQ(parse_lsn("FFFFFFFF/FFFFFFFF"), 0xFFFFFFFFFFFFFFFFULL);
  for (Lsn lsn : {Lsn{0}, Lsn{1}, kFinalLsn, kEndLsn, Lsn{0xFFFFFFFFULL}, Lsn{0x100000000ULL},
                  Lsn{0xFFFFFFFFFFFFFFFFULL}}) {
    EXPECT_EQ(parse_lsn(format_lsn(lsn)), lsn);
  }
}

TEST(Pgoutput, ParsesLowercaseLsnCDC004) {
  EXPECT_EQ(parse_lsn("16/b374d848"), kFinalLsn);
  EXPECT_EQ(parse_lsn("ffffffff/ffffffff"), 0xFFFFFFFFFFFFFFFFULL);
  EXPECT_EQ(parse_lsn("00000016/B374d848"), kFinalLsn);
}

TEST(Pgoutput, RejectsMalformedLsnCDC004) {
  for (const char* bad : {"", "/", "1/", "/1", "G/1", "1/G", "123456789/0", "0/123456789", "16",
                          "1/2/3", " 1/0", "1/0 ", "-1/0", "+1/0", "0x1/0"}) {
    EXPECT_FALSE(parse_lsn(bad)) << '"' << bad << '"';
  }
}

TEST(Pgoutput, ConvertsUnixMicrosToPgEpochCDC004) {
  EXPECT_EQ(to_pg_epoch_us(946684800000000), 0);
  EXPECT_EQ(to_pg_epoch_us(946684800000001), 1);
  EXPECT_EQ(to_pg_epoch_us(0), -946684800000000);
}

}  // namespace
}  // namespace syncline::cdc
