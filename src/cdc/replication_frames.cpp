// The replication protocol's frames around pgoutput messages (inside CopyData), each writer
// beside its reader, the standby status update and LSN text. Declared in cdc/pgoutput.h.
#include "cdc/pgoutput.h"

#include <cstdio>

#include "cdc/protocol_bytes.h"

namespace syncline::cdc {

std::string format_lsn(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

namespace {
bool parse_hex32(std::string_view s, std::uint64_t& out) {
  if (s.size() > 8) return false;
  out = 0;
  for (char c : s) {
    const int d = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                         : -1;
    if (d < 0) return false;
    out = out * 16 + static_cast<std::uint64_t>(d);
  }
  return true;
}

// 'w' XLogData: data start, WAL end, send time, then the payload to the end of the frame.
std::variant<Frame, DecodeError> read_xlogdata(ByteReader& r) {
  XLogData d;
  d.data_start = r.be<std::uint64_t>();
  d.wal_end = r.be<std::uint64_t>();
  d.send_time = r.be<std::int64_t>();
  if (!r.ok()) return DecodeError{"short XLogData header"};
  d.payload = r.rest();
  return Frame{d};
}

// 'k' Keepalive: WAL end, send time, reply requested.
std::variant<Frame, DecodeError> read_keepalive(ByteReader& r) {
  Keepalive k;
  k.wal_end = r.be<std::uint64_t>();
  k.send_time = r.be<std::int64_t>();
  const auto reply = r.be<std::uint8_t>();
  if (!r.ok() || !r.done() || reply > 1) return DecodeError{"malformed keepalive"};
  k.reply_requested = reply == 1;
  return Frame{k};
}
}  // namespace

std::optional<Lsn> parse_lsn(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size())
    return std::nullopt;
  std::uint64_t hi, lo;
  if (!parse_hex32(text.substr(0, slash), hi) || !parse_hex32(text.substr(slash + 1), lo))
    return std::nullopt;
  return (hi << 32) | lo;
}

std::string encode_frame(const Frame& f) {
  ByteWriter w;
  if (const auto* d = std::get_if<XLogData>(&f))
    w.ch('w').u64(d->data_start).u64(d->wal_end).i64(d->send_time).raw(d->payload);
  else if (const auto* k = std::get_if<Keepalive>(&f))
    w.ch('k').u64(k->wal_end).i64(k->send_time).u8(k->reply_requested ? 1 : 0);
  return w.take();
}

std::variant<Frame, DecodeError> decode_frame(std::string_view bytes) {
  ByteReader r(bytes);
  const char tag = r.byte();
  if (tag == 'w') return read_xlogdata(r);
  if (tag == 'k') return read_keepalive(r);
  return DecodeError{r.ok() ? std::string("unknown replication frame '") + tag + "'"
                            : "empty replication frame"};
}

std::string encode_status_update(Lsn write, Lsn flush, Lsn apply, std::int64_t client_time,
                                 bool reply_requested) {
  ByteWriter w;
  w.ch('r').u64(write).u64(flush).u64(apply).i64(client_time).u8(reply_requested ? 1 : 0);
  return w.take();
}

std::int64_t to_pg_epoch_us(std::int64_t unix_us) {
  constexpr std::int64_t kPgEpochOffsetUs = 946'684'800LL * 1'000'000LL;
  return unix_us - kPgEpochOffsetUs;
}

}  // namespace syncline::cdc
