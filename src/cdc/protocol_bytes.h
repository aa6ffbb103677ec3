// The byte level of the replication protocol: a big-endian writer and a bounds-checked reader,
// side by side as PostgreSQL's pqformat.c keeps pq_sendint64 beside pq_getmsgint64. The reader
// never trusts a length: a read past the end marks it failed and returns zeros, so a decoder
// checks ok() once per message instead of after every field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace syncline::cdc {

class ByteWriter {
 public:
  ByteWriter& u8(std::uint8_t v) {
    s_.push_back(static_cast<char>(v));
    return *this;
  }
  ByteWriter& ch(char c) { return u8(static_cast<std::uint8_t>(c)); }
  ByteWriter& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(v & 0xff); }
  ByteWriter& i16(std::int16_t v) { return u16(static_cast<std::uint16_t>(v)); }
  ByteWriter& u32(std::uint32_t v) {
    return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v & 0xffff));
  }
  ByteWriter& i32(std::int32_t v) { return u32(static_cast<std::uint32_t>(v)); }
  ByteWriter& u64(std::uint64_t v) {
    return u32(static_cast<std::uint32_t>(v >> 32)).u32(static_cast<std::uint32_t>(v));
  }
  ByteWriter& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
  ByteWriter& cstring(std::string_view s) {
    s_.append(s);
    s_.push_back('\0');
    return *this;
  }
  ByteWriter& raw(std::string_view s) {
    s_.append(s);
    return *this;
  }
  // Tuple values: 't' + i32 length + bytes, 'n' (null), 'u' (unchanged TOAST).
  ByteWriter& text(std::string_view s) {
    return ch('t').i32(static_cast<std::int32_t>(s.size())).raw(s);
  }
  ByteWriter& null() { return ch('n'); }
  ByteWriter& toast() { return ch('u'); }
  // One Relation column: flags u8, name, type OID u32, typmod i32.
  ByteWriter& column(std::uint8_t flags, std::string_view name, std::uint32_t oid,
                     std::int32_t typmod) {
    return u8(flags).cstring(name).u32(oid).i32(typmod);
  }

  const std::string& str() const { return s_; }
  std::string take() { return std::move(s_); }

 private:
  std::string s_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view b) : b_(b) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == b_.size(); }
  std::size_t remaining() const { return b_.size() - pos_; }

  template <class T>
  T be() {
    if (!need(sizeof(T))) return T{};
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
      v = (v << 8) | static_cast<unsigned char>(b_[pos_ + i]);
    pos_ += sizeof(T);
    return static_cast<T>(v);
  }
  char byte() { return static_cast<char>(be<std::uint8_t>()); }
  std::string cstring() {
    if (!ok_) return {};
    auto end = b_.find('\0', pos_);
    if (end == std::string_view::npos) {
      ok_ = false;
      return {};
    }
    std::string s(b_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  std::string_view bytes(std::size_t n) {
    if (!need(n)) return {};
    auto s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view rest() {
    auto s = b_.substr(pos_);
    pos_ = b_.size();
    return s;
  }

 private:
  bool need(std::size_t n) {
    if (!ok_ || b_.size() - pos_ < n) ok_ = false;
    return ok_;
  }
  std::string_view b_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace syncline::cdc
