// pgoutput messages outside stream blocks (CDC-001..004): each decodes field by field; short, long
// or malformed input comes back as DecodeError, never as a crash.
#include "cdc/pgoutput.h"

#include <gtest/gtest.h>

#include <random>

#include "pgoutput_bytes.h"

namespace syncline::cdc {
namespace {
using namespace testing_bytes;

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

  // pgoutput sends a Truncate only when it names a published relation.
  EXPECT_TRUE(decode_fails(Bytes().ch('T').u32(0).u8(0).str()));
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
  for (char tag : {'M', 'P', 'K', 'N', 'b', 'x', 'Z', '\0', '\xff'}) {
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

}  // namespace
}  // namespace syncline::cdc
