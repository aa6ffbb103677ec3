// pgoutput v1 decoder, replication frames and standby status update (CDC-001..004). Every input
// is built byte by byte here (big-endian, NUL-terminated strings), never by the code under test;
// short, long or malformed input must come back as DecodeError, never as a crash.
#include "cdc/pgoutput.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace syncline::cdc {
namespace {

// A tiny big-endian byte builder, independent of the decoder.
class Bytes {
 public:
  Bytes& u8(std::uint8_t v) {
    s_.push_back(static_cast<char>(v));
    return *this;
  }
  Bytes& ch(char c) { return u8(static_cast<std::uint8_t>(c)); }
  Bytes& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(v & 0xff); }
  Bytes& i16(std::int16_t v) { return u16(static_cast<std::uint16_t>(v)); }
  Bytes& u32(std::uint32_t v) {
    return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v & 0xffff));
  }
  Bytes& i32(std::int32_t v) { return u32(static_cast<std::uint32_t>(v)); }
  Bytes& u64(std::uint64_t v) {
    return u32(static_cast<std::uint32_t>(v >> 32)).u32(static_cast<std::uint32_t>(v));
  }
  Bytes& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
  Bytes& cstring(std::string_view s) {
    s_.append(s);
    s_.push_back('\0');
    return *this;
  }
  Bytes& raw(std::string_view s) {
    s_.append(s);
    return *this;
  }
  // Tuple value helpers: 't' + i32 length + bytes, 'n', 'u'.
  Bytes& text(std::string_view s) {
    return ch('t').i32(static_cast<std::int32_t>(s.size())).raw(s);
  }
  Bytes& null() { return ch('n'); }
  // One Relation column: flags u8, name, type OID u32, typmod i32.
  Bytes& column(std::uint8_t flags, std::string_view name, std::uint32_t oid, std::int32_t typmod) {
    return u8(flags).cstring(name).u32(oid).i32(typmod);
  }
  Bytes& toast() { return ch('u'); }

  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
    out.push_back(' ');
  }
  return out;
}

template <class T>
std::optional<T> decode_as(std::string_view bytes) {
  auto result = decode_message(bytes);
  if (const auto* error = std::get_if<DecodeError>(&result)) {
    ADD_FAILURE() << "decode error '" << error->message << "' for " << hex(bytes);
    return std::nullopt;
  }
  const auto& message = std::get<Message>(result);
  if (const auto* m = std::get_if<T>(&message)) return *m;
  ADD_FAILURE() << "decoded the wrong message alternative #" << message.index();
  return std::nullopt;
}

::testing::AssertionResult decode_fails(std::string_view bytes) {
  auto result = decode_message(bytes);
  const auto* error = std::get_if<DecodeError>(&result);
  if (!error) {
    return ::testing::AssertionFailure()
           << "decoded (alternative #" << std::get<Message>(result).index() << ") " << hex(bytes);
  }
  if (error->message.empty()) return ::testing::AssertionFailure() << "empty error message";
  return ::testing::AssertionSuccess();
}

template <class T>
std::optional<T> frame_as(std::string_view bytes) {
  auto result = decode_frame(bytes);
  if (const auto* error = std::get_if<DecodeError>(&result)) {
    ADD_FAILURE() << "frame error '" << error->message << "' for " << hex(bytes);
    return std::nullopt;
  }
  const auto& frame = std::get<Frame>(result);
  if (const auto* f = std::get_if<T>(&frame)) return *f;
  ADD_FAILURE() << "decoded the wrong frame alternative #" << frame.index();
  return std::nullopt;
}

::testing::AssertionResult frame_fails(std::string_view bytes) {
  auto result = decode_frame(bytes);
  const auto* error = std::get_if<DecodeError>(&result);
  if (!error) return ::testing::AssertionFailure() << "frame decoded: " << hex(bytes);
  if (error->message.empty()) return ::testing::AssertionFailure() << "empty error message";
  return ::testing::AssertionSuccess();
}

constexpr Lsn kFinalLsn = 0x00000016B374D848ULL;    // 16/B374D848
constexpr Lsn kEndLsn = 0x00000016B374D878ULL;      // 16/B374D878
constexpr std::int64_t kTime = 0x0002B5E3AF16B188;  // µs since 2000-01-01 (2023)
// Multi-byte UTF-8: é (2 bytes), — (3 bytes), 日本 (3 each), 🎉 (4 bytes).
const std::string kUtf8 = "h\xC3\xA9llo \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x8E\x89";
const std::string kEmbedded = std::string("a\0b\xff\x01\n", 6);

// clang-format off
// One builder line per protocol field group, so each sample reads like the wire format.
std::string begin_msg() { return Bytes().ch('B').u64(kFinalLsn).i64(kTime).u32(0xDEADBEEF).str(); }
std::string commit_msg() {
  return Bytes().ch('C').u8(0).u64(kFinalLsn).u64(kEndLsn).i64(kTime).str();
}
std::string origin_msg() {
  return Bytes().ch('O').u64(0x0000000100000010ULL).cstring("node_a").str();
}
std::string type_msg() {
  return Bytes().ch('Y').u32(16390).cstring("public").cstring("mood").str();
}

std::string relation_msg() {
  return Bytes().ch('R').u32(16384).cstring("public").cstring("items").ch('d').i16(4)
      .column(1, "id", 20, -1)          // bigint, replica identity key
      .column(0, "title", 1043, 24)     // varchar(20): typmod 20 + 4
      .column(0, "price", 1700, 655366) // numeric(10,2): (10 << 16 | 2) + 4
      .column(0, "mood", 16390, -1)     // the custom enum of the 'Y' message
      .str();
}

std::string insert_msg() {
  return Bytes().ch('I').u32(16384)
      .ch('N').i16(5).text("42").null().text("").text(kUtf8).text(kEmbedded)
      .str();
}
std::string update_old_row_msg() {
  return Bytes().ch('U').u32(16384)
      .ch('O').i16(3).text("42").text("old title").null()
      .ch('N').i16(3).text("42").text("new title").text("9.50")
      .str();
}
std::string update_old_key_msg() {
  return Bytes().ch('U').u32(16384)
      .ch('K').i16(3).text("41").null().null()
      .ch('N').i16(3).text("42").text("renamed").toast()
      .str();
}
std::string update_no_old_msg() {
  return Bytes().ch('U').u32(16384).ch('N').i16(3).text("42").null().toast().str();
}
std::string delete_old_row_msg() {
  return Bytes().ch('D').u32(16384).ch('O').i16(3).text("42").text("t").text("1.00").str();
}
std::string delete_old_key_msg() {
  return Bytes().ch('D').u32(16384).ch('K').i16(3).text("42").null().null().str();
}
std::string truncate_msg() {
  return Bytes().ch('T').u32(3).u8(3).u32(16384).u32(16390).u32(0xFFFFFFF0).str();
}
// clang-format on

std::vector<std::string> all_sample_messages() {
  return {begin_msg(),         commit_msg(),         origin_msg(),         type_msg(),
          relation_msg(),      insert_msg(),         update_old_row_msg(), update_old_key_msg(),
          update_no_old_msg(), delete_old_row_msg(), delete_old_key_msg(), truncate_msg()};
}

// --- messages ---------------------------------------------------------------------------------

TEST(Pgoutput, DecodesBeginCDC001) {
  auto m = decode_as<Begin>(begin_msg());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->final_lsn, kFinalLsn);
  EXPECT_EQ(m->commit_time, kTime);
  EXPECT_EQ(m->xid, 0xDEADBEEFu);
}

TEST(Pgoutput, DecodesCommitWithDistinctCommitAndEndLsnCDC001) {
  auto m = decode_as<Commit>(commit_msg());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->flags, 0);
  EXPECT_EQ(m->commit_lsn, kFinalLsn);
  EXPECT_EQ(m->end_lsn, kEndLsn);  // the one to acknowledge; must not be mixed up with commit_lsn
  EXPECT_NE(m->commit_lsn, m->end_lsn);
  EXPECT_EQ(m->commit_time, kTime);
}

TEST(Pgoutput, DecodesOriginCDC001) {
  auto m = decode_as<Origin>(origin_msg());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->lsn, 0x0000000100000010ULL);
  EXPECT_EQ(m->name, "node_a");

  auto empty = decode_as<Origin>(Bytes().ch('O').u64(0).cstring("").str());
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->name, "");
}

TEST(Pgoutput, DecodesTypeCDC001) {
  auto m = decode_as<Type>(type_msg());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->oid, 16390u);
  EXPECT_EQ(m->nspname, "public");
  EXPECT_EQ(m->name, "mood");
}

TEST(Pgoutput, DecodesRelationWithColumnsKeysAndTypesCDC001) {
  auto m = decode_as<Relation>(relation_msg());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->relid, 16384u);
  EXPECT_EQ(m->nspname, "public");
  EXPECT_EQ(m->relname, "items");
  EXPECT_EQ(m->replica_identity, 'd');
  ASSERT_EQ(m->columns.size(), 4u);
  EXPECT_TRUE(m->columns[0].key);
  EXPECT_EQ(m->columns[0].name, "id");
  EXPECT_EQ(m->columns[0].type_oid, 20u);
  EXPECT_EQ(m->columns[0].type_modifier, -1);
  EXPECT_FALSE(m->columns[1].key);
  EXPECT_EQ(m->columns[1].name, "title");
  EXPECT_EQ(m->columns[1].type_oid, 1043u);
  EXPECT_EQ(m->columns[1].type_modifier, 24);
  EXPECT_FALSE(m->columns[2].key);
  EXPECT_EQ(m->columns[2].name, "price");
  EXPECT_EQ(m->columns[2].type_oid, 1700u);
  EXPECT_EQ(m->columns[2].type_modifier, 655366);
  EXPECT_FALSE(m->columns[3].key);
  EXPECT_EQ(m->columns[3].name, "mood");
  EXPECT_EQ(m->columns[3].type_oid, 16390u);
  EXPECT_EQ(m->columns[3].type_modifier, -1);
}

TEST(Pgoutput, DecodesRelationInPgCatalogWithEmptyNamespaceCDC001) {
  auto bytes = Bytes()
                   .ch('R')
                   .u32(0xFFFFFFFE)
                   .cstring("")  // pg_catalog
                   .cstring("pg_things")
                   .ch('f')
                   .i16(2)
                   .column(1, "a", 23, -1)
                   .column(1, "b", 0xFFFFFFF0, -2147483647 - 1)
                   .str();
  auto m = decode_as<Relation>(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->relid, 0xFFFFFFFEu);
  EXPECT_EQ(m->nspname, "");
  EXPECT_EQ(m->relname, "pg_things");
  EXPECT_EQ(m->replica_identity, 'f');
  ASSERT_EQ(m->columns.size(), 2u);
  EXPECT_TRUE(m->columns[0].key);
  EXPECT_TRUE(m->columns[1].key);
  EXPECT_EQ(m->columns[1].type_oid, 0xFFFFFFF0u);
  EXPECT_EQ(m->columns[1].type_modifier, -2147483647 - 1);

  auto no_columns =
      decode_as<Relation>(Bytes().ch('R').u32(1).cstring("s").cstring("t").ch('n').i16(0).str());
  ASSERT_TRUE(no_columns);
  EXPECT_TRUE(no_columns->columns.empty());
  EXPECT_EQ(no_columns->replica_identity, 'n');
}

TEST(Pgoutput, DecodesInsertWithNullEmptyUtf8AndEmbeddedBytesCDC002) {
  auto m = decode_as<Insert>(insert_msg());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->relid, 16384u);
  ASSERT_EQ(m->new_tuple.size(), 5u);
  EXPECT_EQ(m->new_tuple[0].kind, Value::kText);
  EXPECT_EQ(m->new_tuple[0].text, "42");
  EXPECT_EQ(m->new_tuple[1].kind, Value::kNull);
  EXPECT_EQ(m->new_tuple[1].text, "");
  EXPECT_EQ(m->new_tuple[2].kind, Value::kText);  // empty string is text, not null
  EXPECT_EQ(m->new_tuple[2].text, "");
  EXPECT_EQ(m->new_tuple[3].kind, Value::kText);
  EXPECT_EQ(m->new_tuple[3].text, kUtf8);
  EXPECT_EQ(m->new_tuple[3].text.size(), 22u);
  EXPECT_EQ(m->new_tuple[4].kind, Value::kText);
  EXPECT_EQ(m->new_tuple[4].text, kEmbedded);  // the NUL inside does not end the value
  EXPECT_EQ(m->new_tuple[4].text.size(), 6u);

  auto empty_row = decode_as<Insert>(Bytes().ch('I').u32(7).ch('N').i16(0).str());
  ASSERT_TRUE(empty_row);
  EXPECT_TRUE(empty_row->new_tuple.empty());
}

TEST(Pgoutput, DecodesUpdateWithOldRowCDC001) {
  auto m = decode_as<Update>(update_old_row_msg());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->relid, 16384u);
  EXPECT_EQ(m->old_kind, 'O');
  ASSERT_EQ(m->old_tuple.size(), 3u);
  EXPECT_EQ(m->old_tuple[0].text, "42");
  EXPECT_EQ(m->old_tuple[1].text, "old title");
  EXPECT_EQ(m->old_tuple[2].kind, Value::kNull);
  ASSERT_EQ(m->new_tuple.size(), 3u);
  EXPECT_EQ(m->new_tuple[1].kind, Value::kText);
  EXPECT_EQ(m->new_tuple[1].text, "new title");
  EXPECT_EQ(m->new_tuple[2].text, "9.50");
}

TEST(Pgoutput, DecodesUpdateWithOldKeyAndUnchangedToastCDC002) {
  auto m = decode_as<Update>(update_old_key_msg());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->old_kind, 'K');
  ASSERT_EQ(m->old_tuple.size(), 3u);
  EXPECT_EQ(m->old_tuple[0].kind, Value::kText);
  EXPECT_EQ(m->old_tuple[0].text, "41");
  EXPECT_EQ(m->old_tuple[1].kind, Value::kNull);
  EXPECT_EQ(m->old_tuple[2].kind, Value::kNull);
  ASSERT_EQ(m->new_tuple.size(), 3u);
  EXPECT_EQ(m->new_tuple[0].text, "42");
  EXPECT_EQ(m->new_tuple[1].text, "renamed");
  EXPECT_EQ(m->new_tuple[2].kind, Value::kUnchangedToast);
  EXPECT_EQ(m->new_tuple[2].text, "");
}

TEST(Pgoutput, DecodesUpdateWithoutOldTupleCDC001) {
  auto m = decode_as<Update>(update_no_old_msg());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->relid, 16384u);
  EXPECT_EQ(m->old_kind, 0);
  EXPECT_TRUE(m->old_tuple.empty());
  ASSERT_EQ(m->new_tuple.size(), 3u);
  EXPECT_EQ(m->new_tuple[0].text, "42");
  EXPECT_EQ(m->new_tuple[1].kind, Value::kNull);
  EXPECT_EQ(m->new_tuple[2].kind, Value::kUnchangedToast);
}

TEST(Pgoutput, DecodesDeleteWithOldRowAndOldKeyCDC001) {
  auto full = decode_as<Delete>(delete_old_row_msg());
  ASSERT_TRUE(full);
  EXPECT_EQ(full->relid, 16384u);
  EXPECT_EQ(full->old_kind, 'O');
  ASSERT_EQ(full->old_tuple.size(), 3u);
  EXPECT_EQ(full->old_tuple[0].text, "42");
  EXPECT_EQ(full->old_tuple[1].text, "t");
  EXPECT_EQ(full->old_tuple[2].text, "1.00");

  auto key = decode_as<Delete>(delete_old_key_msg());
  ASSERT_TRUE(key);
  EXPECT_EQ(key->old_kind, 'K');
  ASSERT_EQ(key->old_tuple.size(), 3u);
  EXPECT_EQ(key->old_tuple[0].text, "42");
  EXPECT_EQ(key->old_tuple[1].kind, Value::kNull);
  EXPECT_EQ(key->old_tuple[2].kind, Value::kNull);
}

TEST(Pgoutput, DecodesTruncateCDC001) {
  auto m = decode_as<Truncate>(truncate_msg());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->options, 3);  // CASCADE | RESTART IDENTITY
  EXPECT_EQ(m->relids, (std::vector<std::uint32_t>{16384, 16390, 0xFFFFFFF0}));

  auto none = decode_as<Truncate>(Bytes().ch('T').u32(0).u8(0).str());
  ASSERT_TRUE(none);
  EXPECT_EQ(none->options, 0);
  EXPECT_TRUE(none->relids.empty());
}

// --- malformed messages -----------------------------------------------------------------------

TEST(Pgoutput, ValueLengthPastTheEndIsErrorCDC003) {
  auto base = [] { return Bytes().ch('I').u32(1).ch('N').i16(1).ch('t'); };
  EXPECT_TRUE(decode_fails(base().i32(10).raw("abc").str()));
  EXPECT_TRUE(decode_fails(base().i32(4).raw("abc").str()));  // one byte short
  EXPECT_TRUE(decode_fails(base().i32(0x7FFFFFFF).raw("abc").str()));
  EXPECT_TRUE(decode_fails(base().i32(-1).str()));
  EXPECT_TRUE(decode_fails(base().i32(-2147483647 - 1).raw("abc").str()));
  // Tuple claims more columns than it carries.
  EXPECT_TRUE(decode_fails(Bytes().ch('I').u32(1).ch('N').i16(3).text("a").null().str()));
}

TEST(Pgoutput, EveryTruncatedPrefixIsErrorCDC003) {
  for (const auto& message : all_sample_messages()) {
    ASSERT_TRUE(std::holds_alternative<Message>(decode_message(message))) << hex(message);
    for (std::size_t len = 0; len < message.size(); ++len) {
      // A fresh heap copy, so a read past the prefix is visible to sanitizers.
      std::string prefix = message.substr(0, len);
      EXPECT_TRUE(decode_fails(prefix)) << "prefix length " << len << " of " << message.size();
    }
  }
}

TEST(Pgoutput, TrailingBytesAfterCompleteMessageAreErrorCDC003) {
  for (const auto& message : all_sample_messages()) {
    EXPECT_TRUE(decode_fails(message + std::string(1, '\0')));
    EXPECT_TRUE(decode_fails(message + "N"));
    EXPECT_TRUE(decode_fails(message + message));
  }
}

TEST(Pgoutput, UnknownTagIsErrorCDC003) {
  for (char tag : {'M', 'S', 'E', 'A', 'P', 'K', 'N', 'b', 'x', '\0', '\xff'}) {
    EXPECT_TRUE(decode_fails(Bytes().ch(tag).u64(kFinalLsn).i64(kTime).u32(1).str())) << tag;
    EXPECT_TRUE(decode_fails(std::string(1, tag))) << tag;
  }
}

TEST(Pgoutput, UnknownTupleKindIsErrorCDC003) {
  for (char kind : {'x', 'b', 'N', 'T', '\0', '\xff'}) {
    EXPECT_TRUE(decode_fails(Bytes().ch('I').u32(1).ch('N').i16(1).ch(kind).i32(1).raw("a").str()))
        << kind;
    EXPECT_TRUE(decode_fails(Bytes().ch('D').u32(1).ch('K').i16(2).text("1").ch(kind).str()))
        << kind;
  }
}

TEST(Pgoutput, WrongActionBytesAreErrorCDC003) {
  // Insert needs 'N'; Update needs optional 'O'/'K' then 'N'; Delete needs 'O' or 'K'.
  EXPECT_TRUE(decode_fails(Bytes().ch('I').u32(1).ch('O').i16(0).str()));
  EXPECT_TRUE(decode_fails(Bytes().ch('U').u32(1).ch('X').i16(0).str()));
  EXPECT_TRUE(decode_fails(Bytes().ch('U').u32(1).ch('X').i16(0).ch('N').i16(0).str()));
  EXPECT_TRUE(decode_fails(Bytes().ch('U').u32(1).ch('O').i16(0).ch('K').i16(0).str()));
  EXPECT_TRUE(decode_fails(Bytes().ch('U').u32(1).ch('K').i16(0).str()));  // no new tuple
  EXPECT_TRUE(decode_fails(Bytes().ch('D').u32(1).ch('N').i16(0).str()));
}

TEST(Pgoutput, UnknownCommitFlagsAreErrorCDC003) {
  for (std::uint8_t flags : {1, 2, 0x80, 0xff}) {
    EXPECT_TRUE(
        decode_fails(Bytes().ch('C').u8(flags).u64(kFinalLsn).u64(kEndLsn).i64(kTime).str()))
        << int{flags};
  }
}

TEST(Pgoutput, RelationColumnFlagsOtherThanZeroOrOneAreErrorCDC003) {
  for (std::uint8_t flags : {2, 3, 0x80, 0xff}) {
    auto bytes = Bytes()
                     .ch('R')
                     .u32(1)
                     .cstring("public")
                     .cstring("t")
                     .ch('d')
                     .i16(2)
                     .column(1, "id", 23, -1)
                     .column(flags, "x", 25, -1)
                     .str();
    EXPECT_TRUE(decode_fails(bytes)) << int{flags};
  }
}

TEST(Pgoutput, NegativeColumnCountIsErrorCDC003) {
  for (std::int16_t n : {std::int16_t{-1}, std::int16_t{-32768}}) {
    EXPECT_TRUE(
        decode_fails(Bytes().ch('R').u32(1).cstring("s").cstring("t").ch('d').i16(n).str()));
    EXPECT_TRUE(decode_fails(Bytes().ch('I').u32(1).ch('N').i16(n).str()));
    EXPECT_TRUE(decode_fails(Bytes().ch('U').u32(1).ch('O').i16(n).ch('N').i16(0).str()));
    EXPECT_TRUE(decode_fails(Bytes().ch('U').u32(1).ch('N').i16(n).str()));
    EXPECT_TRUE(decode_fails(Bytes().ch('D').u32(1).ch('K').i16(n).str()));
  }
}

TEST(Pgoutput, TruncateCountBiggerThanRemainingBytesIsErrorCDC003) {
  EXPECT_TRUE(decode_fails(Bytes().ch('T').u32(3).u8(0).u32(1).u32(2).str()));
  EXPECT_TRUE(decode_fails(Bytes().ch('T').u32(1).u8(0).raw("abc").str()));
  EXPECT_TRUE(decode_fails(Bytes().ch('T').u32(1).u8(0).str()));
  EXPECT_TRUE(decode_fails(Bytes().ch('T').u32(0xFFFFFFFF).u8(0).u32(1).str()));
  EXPECT_TRUE(decode_fails(Bytes().ch('T').u32(0x40000000).u8(0).u32(1).u32(2).str()));
  // Fewer relids than bytes: the leftover is trailing garbage.
  EXPECT_TRUE(decode_fails(Bytes().ch('T').u32(1).u8(0).u32(1).u32(2).str()));
}

TEST(Pgoutput, RandomBytesNeverCrashCDC003) {
  std::mt19937 rng(20240517);
  auto byte = [&] { return static_cast<char>(rng() & 0xff); };
  static constexpr char kTags[] = "BCORYIUDTwkxnut";
  const auto samples = all_sample_messages();
  for (int i = 0; i < 4000; ++i) {
    std::string input;
    switch (i % 3) {
      case 0: {  // pure noise
        input.resize(rng() % 64);
        for (auto& c : input) c = byte();
        break;
      }
      case 1: {  // a valid tag, then noise
        input.push_back(kTags[rng() % (sizeof kTags - 1)]);
        input.resize(1 + rng() % 80);
        for (std::size_t k = 1; k < input.size(); ++k) input[k] = byte();
        break;
      }
      default: {  // a valid message with a few bytes flipped and maybe cut
        input = samples[rng() % samples.size()];
        for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips)
          input[rng() % input.size()] = byte();
        if (rng() % 2) input.resize(rng() % (input.size() + 1));
        break;
      }
    }
    auto first = decode_message(input);
    auto second = decode_message(input);
    EXPECT_EQ(first.index(), second.index()) << hex(input);  // deterministic
    auto frame = decode_frame(input);
    EXPECT_EQ(frame.index(), decode_frame(input).index()) << hex(input);
  }
}

// --- replication frames -----------------------------------------------------------------------

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
