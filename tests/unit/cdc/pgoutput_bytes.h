// Sample pgoutput messages for the decoder tests, each written field by field as the
// protocol documents it, and helpers that decode them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cdc/pgoutput.h"
#include "cdc/protocol_bytes.h"

namespace syncline::cdc::testing_bytes {

// The byte builder is the protocol's own writer (src/cdc/protocol_bytes.h); the samples below
// are written field by field with it, never by the message writers under test.
using Bytes = ByteWriter;

inline std::string hex(std::string_view bytes) {
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
inline std::optional<T> decode_as(std::string_view bytes) {
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

inline ::testing::AssertionResult decode_fails(std::string_view bytes) {
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
inline std::optional<T> frame_as(std::string_view bytes) {
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

inline ::testing::AssertionResult frame_fails(std::string_view bytes) {
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
inline const std::string kUtf8 =
    "h\xC3\xA9llo \xE2\x80\x94 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x8E\x89";
inline const std::string kEmbedded = std::string("a\0b\xff\x01\n", 6);

// clang-format off
// One builder line per protocol field group, so each sample reads like the wire format.
inline std::string begin_msg() { return Bytes().ch('B').u64(kFinalLsn).i64(kTime).u32(0xDEADBEEF).str(); }
inline std::string commit_msg() {
  return Bytes().ch('C').u8(0).u64(kFinalLsn).u64(kEndLsn).i64(kTime).str();
}
inline std::string origin_msg() {
  return Bytes().ch('O').u64(0x0000000100000010ULL).cstring("node_a").str();
}
inline std::string type_msg() {
  return Bytes().ch('Y').u32(16390).cstring("public").cstring("mood").str();
}

inline std::string relation_msg() {
  return Bytes().ch('R').u32(16384).cstring("public").cstring("items").ch('d').i16(4)
      .column(1, "id", 20, -1)          // bigint, replica identity key
      .column(0, "title", 1043, 24)     // varchar(20): typmod 20 + 4
      .column(0, "price", 1700, 655366) // numeric(10,2): (10 << 16 | 2) + 4
      .column(0, "mood", 16390, -1)     // the custom enum of the 'Y' message
      .str();
}

inline std::string insert_msg() {
  return Bytes().ch('I').u32(16384)
      .ch('N').i16(5).text("42").null().text("").text(kUtf8).text(kEmbedded)
      .str();
}
inline std::string update_old_row_msg() {
  return Bytes().ch('U').u32(16384)
      .ch('O').i16(3).text("42").text("old title").null()
      .ch('N').i16(3).text("42").text("new title").text("9.50")
      .str();
}
inline std::string update_old_key_msg() {
  return Bytes().ch('U').u32(16384)
      .ch('K').i16(3).text("41").null().null()
      .ch('N').i16(3).text("42").text("renamed").toast()
      .str();
}
inline std::string update_no_old_msg() {
  return Bytes().ch('U').u32(16384).ch('N').i16(3).text("42").null().toast().str();
}
inline std::string delete_old_row_msg() {
  return Bytes().ch('D').u32(16384).ch('O').i16(3).text("42").text("t").text("1.00").str();
}
inline std::string delete_old_key_msg() {
  return Bytes().ch('D').u32(16384).ch('K').i16(3).text("42").null().null().str();
}
inline std::string truncate_msg() {
  return Bytes().ch('T').u32(3).u8(3).u32(16384).u32(16390).u32(0xFFFFFFF0).str();
}
// clang-format on

inline std::vector<std::string> all_sample_messages() {
  return {begin_msg(),         commit_msg(),         origin_msg(),         type_msg(),
          relation_msg(),      insert_msg(),         update_old_row_msg(), update_old_key_msg(),
          update_no_old_msg(), delete_old_row_msg(), delete_old_key_msg(), truncate_msg()};
}

}  // namespace syncline::cdc::testing_bytes
