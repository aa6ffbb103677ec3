#include "cdc/pgoutput.h"

#include <cstdio>

namespace syncline::cdc {

namespace {

// A bounds-checked big-endian reader over one message. Every read reports failure instead
// of reading past the end; callers stop at the first failure.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
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

bool read_tuple(Reader& r, Tuple& out, std::string& error) {
  auto n = r.be<std::int16_t>();
  if (!r.ok() || n < 0) {
    error = "bad tuple column count";
    return false;
  }
  out.clear();
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    Value v;
    char kind = r.byte();
    switch (kind) {
      case 'n':
        v.kind = Value::kNull;
        break;
      case 'u':
        v.kind = Value::kUnchangedToast;
        break;
      case 't': {
        auto len = r.be<std::int32_t>();
        if (len < 0) {
          error = "negative value length";
          return false;
        }
        v.kind = Value::kText;
        v.text = std::string(r.bytes(static_cast<std::size_t>(len)));
        break;
      }
      case 'b':
        error = "binary tuple values are not requested and not supported";
        return false;
      default:
        error = r.ok() ? std::string("unknown tuple value kind '") + kind + "'" : "short tuple";
        return false;
    }
    if (!r.ok()) {
      error = "short tuple";
      return false;
    }
    out.push_back(std::move(v));
  }
  return true;
}

std::variant<Message, DecodeError> finish(Reader& r, Message m, const char* what) {
  if (!r.ok()) return DecodeError{std::string("short ") + what + " message"};
  if (!r.done()) return DecodeError{std::string("trailing bytes after ") + what + " message"};
  return m;
}

}  // namespace

std::string format_lsn(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

std::optional<Lsn> parse_lsn(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size())
    return std::nullopt;
  auto hex = [](std::string_view s, std::uint64_t& out) {
    if (s.size() > 8) return false;
    out = 0;
    for (char c : s) {
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                     : -1;
      if (d < 0) return false;
      out = out * 16 + static_cast<std::uint64_t>(d);
    }
    return true;
  };
  std::uint64_t hi, lo;
  if (!hex(text.substr(0, slash), hi) || !hex(text.substr(slash + 1), lo)) return std::nullopt;
  return (hi << 32) | lo;
}

std::variant<Message, DecodeError> decode_message(std::string_view bytes, bool in_stream) {
  Reader r(bytes);
  char tag = r.byte();
  if (!r.ok()) return DecodeError{"empty message"};
  std::string error;
  // Inside a stream block a change message starts with its (sub)transaction's xid.
  auto stream_xid = [&] { return in_stream ? r.be<std::uint32_t>() : 0u; };
  switch (tag) {
    case 'B': {
      Begin m;
      m.final_lsn = r.be<std::uint64_t>();
      m.commit_time = r.be<std::int64_t>();
      m.xid = r.be<std::uint32_t>();
      return finish(r, m, "Begin");
    }
    case 'C': {
      Commit m;
      m.flags = r.be<std::uint8_t>();
      m.commit_lsn = r.be<std::uint64_t>();
      m.end_lsn = r.be<std::uint64_t>();
      m.commit_time = r.be<std::int64_t>();
      if (r.ok() && m.flags != 0) return DecodeError{"unknown Commit flags"};
      return finish(r, m, "Commit");
    }
    case 'O': {
      Origin m;
      m.lsn = r.be<std::uint64_t>();
      m.name = r.cstring();
      return finish(r, m, "Origin");
    }
    case 'R': {
      Relation m;
      m.xid = stream_xid();
      m.relid = r.be<std::uint32_t>();
      m.nspname = r.cstring();
      m.relname = r.cstring();
      m.replica_identity = r.byte();
      auto n = r.be<std::int16_t>();
      if (r.ok() && n < 0) return DecodeError{"negative column count"};
      for (int i = 0; r.ok() && i < n; ++i) {
        RelationColumn c;
        auto flags = r.be<std::uint8_t>();
        if (r.ok() && (flags & ~1u) != 0) return DecodeError{"unknown column flags"};
        c.key = flags & 1;
        c.name = r.cstring();
        c.type_oid = r.be<std::uint32_t>();
        c.type_modifier = r.be<std::int32_t>();
        m.columns.push_back(std::move(c));
      }
      return finish(r, m, "Relation");
    }
    case 'Y': {
      Type m;
      m.xid = stream_xid();
      m.oid = r.be<std::uint32_t>();
      m.nspname = r.cstring();
      m.name = r.cstring();
      return finish(r, m, "Type");
    }
    case 'I': {
      Insert m;
      m.xid = stream_xid();
      m.relid = r.be<std::uint32_t>();
      if (r.byte() != 'N' || !r.ok()) return DecodeError{"Insert without new tuple"};
      if (!read_tuple(r, m.new_tuple, error)) return DecodeError{"Insert: " + error};
      return finish(r, m, "Insert");
    }
    case 'U': {
      Update m;
      m.xid = stream_xid();
      m.relid = r.be<std::uint32_t>();
      char k = r.byte();
      if (r.ok() && (k == 'O' || k == 'K')) {
        m.old_kind = k;
        if (!read_tuple(r, m.old_tuple, error)) return DecodeError{"Update old: " + error};
        k = r.byte();
      }
      if (!r.ok() || k != 'N') return DecodeError{"Update without new tuple"};
      if (!read_tuple(r, m.new_tuple, error)) return DecodeError{"Update new: " + error};
      return finish(r, m, "Update");
    }
    case 'D': {
      Delete m;
      m.xid = stream_xid();
      m.relid = r.be<std::uint32_t>();
      char k = r.byte();
      if (!r.ok() || (k != 'O' && k != 'K')) return DecodeError{"Delete without old tuple"};
      m.old_kind = k;
      if (!read_tuple(r, m.old_tuple, error)) return DecodeError{"Delete: " + error};
      return finish(r, m, "Delete");
    }
    case 'T': {
      Truncate m;
      m.xid = stream_xid();
      auto n = r.be<std::uint32_t>();
      m.options = r.be<std::uint8_t>();
      if (r.ok() && n > r.remaining() / 4) return DecodeError{"Truncate relation count too large"};
      for (std::uint32_t i = 0; r.ok() && i < n; ++i) m.relids.push_back(r.be<std::uint32_t>());
      return finish(r, m, "Truncate");
    }
    case 'S': {
      StreamStart m;
      m.xid = r.be<std::uint32_t>();
      auto first = r.be<std::uint8_t>();
      if (r.ok() && first > 1) return DecodeError{"unknown Stream Start flag"};
      m.first_segment = first == 1;
      return finish(r, m, "Stream Start");
    }
    case 'E':
      return finish(r, StreamStop{}, "Stream Stop");
    case 'c': {
      StreamCommit m;
      m.xid = r.be<std::uint32_t>();
      m.flags = r.be<std::uint8_t>();
      m.commit_lsn = r.be<std::uint64_t>();
      m.end_lsn = r.be<std::uint64_t>();
      m.commit_time = r.be<std::int64_t>();
      if (r.ok() && m.flags != 0) return DecodeError{"unknown Stream Commit flags"};
      return finish(r, m, "Stream Commit");
    }
    case 'A': {
      StreamAbort m;
      m.xid = r.be<std::uint32_t>();
      m.subxid = r.be<std::uint32_t>();
      return finish(r, m, "Stream Abort");
    }
    default:
      return DecodeError{std::string("unknown pgoutput message tag '") + tag + "'"};
  }
}

std::variant<Frame, DecodeError> decode_frame(std::string_view bytes) {
  Reader r(bytes);
  char tag = r.byte();
  if (tag == 'w') {
    XLogData d;
    d.data_start = r.be<std::uint64_t>();
    d.wal_end = r.be<std::uint64_t>();
    d.send_time = r.be<std::int64_t>();
    if (!r.ok()) return DecodeError{"short XLogData header"};
    d.payload = r.rest();
    return Frame{d};
  }
  if (tag == 'k') {
    Keepalive k;
    k.wal_end = r.be<std::uint64_t>();
    k.send_time = r.be<std::int64_t>();
    k.reply_requested = r.be<std::uint8_t>() != 0;
    if (!r.ok() || !r.done()) return DecodeError{"malformed keepalive"};
    return Frame{k};
  }
  return DecodeError{r.ok() ? std::string("unknown replication frame '") + tag + "'"
                            : "empty replication frame"};
}

std::string encode_status_update(Lsn write, Lsn flush, Lsn apply, std::int64_t client_time,
                                 bool reply_requested) {
  std::string out;
  out.reserve(34);
  out.push_back('r');
  auto put = [&](std::uint64_t v) {
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put(write);
  put(flush);
  put(apply);
  put(static_cast<std::uint64_t>(client_time));
  out.push_back(reply_requested ? 1 : 0);
  return out;
}

std::int64_t to_pg_epoch_us(std::int64_t unix_us) {
  constexpr std::int64_t kPgEpochOffsetUs = 946'684'800LL * 1'000'000LL;
  return unix_us - kPgEpochOffsetUs;
}

}  // namespace syncline::cdc
