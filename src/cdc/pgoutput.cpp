#include "cdc/pgoutput.h"

#include "cdc/protocol_bytes.h"

// One reader per message tag, its writer just above it (as PostgreSQL's proto.c keeps
// logicalrep_write_begin above logicalrep_read_begin): the two are read side by side, and the
// unit tests check that each reads back what the other wrote. A reader starts after the tag
// byte, refuses what Postgres never sends (a Begin without a final LSN, a Commit ending before
// it commits), and leaves the "short" and "trailing bytes" verdicts to finish().

namespace syncline::cdc {

namespace {

using Decoded = std::variant<Message, DecodeError>;

Decoded finish(const ByteReader& r, Message m, const char* what) {
  if (!r.ok()) return DecodeError{std::string("short ") + what + " message"};
  if (!r.done()) return DecodeError{std::string("trailing bytes after ") + what + " message"};
  return m;
}

// Inside a stream block the change messages begin with their (sub)transaction's xid.
void write_xid(ByteWriter& w, std::uint32_t xid, bool in_stream) {
  if (in_stream) w.u32(xid);
}
std::uint32_t read_xid(ByteReader& r, bool in_stream) {
  return in_stream ? r.be<std::uint32_t>() : 0u;
}

// --- Tuples: i16 column count, then per column 'n' | 'u' | 't' i32 length bytes -------------

void write_tuple(ByteWriter& w, const Tuple& t) {
  w.i16(static_cast<std::int16_t>(t.size()));
  for (const auto& v : t) {
    if (v.kind == Value::kText)
      w.text(v.text);
    else
      w.ch(static_cast<char>(v.kind));
  }
}

std::optional<Value> read_value(ByteReader& r, std::string& error) {
  const char kind = r.byte();
  switch (kind) {
    case 'n':
      return Value{Value::kNull, {}};
    case 'u':
      return Value{Value::kUnchangedToast, {}};
    case 't': {
      const auto len = r.be<std::int32_t>();
      if (len < 0) {
        error = "negative value length";
        return std::nullopt;
      }
      return Value{Value::kText, std::string(r.bytes(static_cast<std::size_t>(len)))};
    }
    case 'b':
      error = "binary tuple values are not requested and not supported";
      return std::nullopt;
    default:
      error = r.ok() ? std::string("unknown tuple value kind '") + kind + "'" : "short tuple";
      return std::nullopt;
  }
}

bool read_tuple(ByteReader& r, Tuple& out, std::string& error) {
  const auto n = r.be<std::int16_t>();
  if (!r.ok() || n < 0) {
    error = "bad tuple column count";
    return false;
  }
  out.clear();
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto v = read_value(r, error);
    if (v && !r.ok()) error = "short tuple";
    if (!v || !r.ok()) return false;
    out.push_back(std::move(*v));
  }
  return true;
}

// --- 'B' Begin: final LSN, commit time, xid ---------------------------------------------

void write(ByteWriter& w, const Begin& m, bool) {
  w.ch('B').u64(m.final_lsn).i64(m.commit_time).u32(m.xid);
}
Decoded read_begin(ByteReader& r) {
  Begin m;
  m.final_lsn = r.be<std::uint64_t>();
  m.commit_time = r.be<std::int64_t>();
  m.xid = r.be<std::uint32_t>();
  if (r.ok() && m.final_lsn == 0) return DecodeError{"Begin without a final LSN"};
  if (r.ok() && m.xid == 0) return DecodeError{"Begin without a transaction id"};
  return finish(r, m, "Begin");
}

// --- 'C' Commit: flags (0), commit LSN, end LSN, commit time ----------------------------

// Commit and Stream Commit end alike: flags (none defined: 0), commit LSN, end LSN (never
// before the commit's), commit time.
template <class M>
void write_commit_fields(ByteWriter& w, const M& m) {
  w.u8(m.flags).u64(m.commit_lsn).u64(m.end_lsn).i64(m.commit_time);
}
template <class M>
Decoded read_commit_fields(ByteReader& r, M m, const char* what) {
  m.flags = r.be<std::uint8_t>();
  m.commit_lsn = r.be<std::uint64_t>();
  m.end_lsn = r.be<std::uint64_t>();
  m.commit_time = r.be<std::int64_t>();
  if (r.ok() && m.flags != 0) return DecodeError{std::string("unknown ") + what + " flags"};
  if (r.ok() && m.end_lsn < m.commit_lsn)
    return DecodeError{std::string(what) + " ends before its commit LSN"};
  return finish(r, m, what);
}

void write(ByteWriter& w, const Commit& m, bool) {
  w.ch('C');
  write_commit_fields(w, m);
}
Decoded read_commit(ByteReader& r) {
  return read_commit_fields(r, Commit{}, "Commit");
}

// --- 'O' Origin: LSN, name ----------------------------------------------------------------

void write(ByteWriter& w, const Origin& m, bool) {
  w.ch('O').u64(m.lsn).cstring(m.name);
}
Decoded read_origin(ByteReader& r) {
  Origin m;
  m.lsn = r.be<std::uint64_t>();
  m.name = r.cstring();
  return finish(r, m, "Origin");
}

// --- 'R' Relation: [xid] relid, namespace, name, replica identity, columns ----------------

void write(ByteWriter& w, const Relation& m, bool in_stream) {
  w.ch('R');
  write_xid(w, m.xid, in_stream);
  w.u32(m.relid).cstring(m.nspname).cstring(m.relname).ch(m.replica_identity);
  w.i16(static_cast<std::int16_t>(m.columns.size()));
  for (const auto& c : m.columns) w.column(c.key ? 1 : 0, c.name, c.type_oid, c.type_modifier);
}
Decoded read_relation(ByteReader& r, bool in_stream) {
  Relation m;
  m.xid = read_xid(r, in_stream);
  m.relid = r.be<std::uint32_t>();
  m.nspname = r.cstring();
  m.relname = r.cstring();
  m.replica_identity = r.byte();
  const auto n = r.be<std::int16_t>();
  if (r.ok() && n < 0) return DecodeError{"negative column count"};
  if (r.ok() && m.relid == 0) return DecodeError{"Relation without an OID"};
  for (int i = 0; r.ok() && i < n; ++i) {
    RelationColumn c;
    const auto flags = r.be<std::uint8_t>();
    if (r.ok() && (flags & ~1u) != 0) return DecodeError{"unknown column flags"};
    c.key = flags & 1;
    c.name = r.cstring();
    c.type_oid = r.be<std::uint32_t>();
    c.type_modifier = r.be<std::int32_t>();
    m.columns.push_back(std::move(c));
  }
  return finish(r, m, "Relation");
}

// --- 'Y' Type: [xid] OID, namespace, name -----------------------------------------------

void write(ByteWriter& w, const Type& m, bool in_stream) {
  w.ch('Y');
  write_xid(w, m.xid, in_stream);
  w.u32(m.oid).cstring(m.nspname).cstring(m.name);
}
Decoded read_type(ByteReader& r, bool in_stream) {
  Type m;
  m.xid = read_xid(r, in_stream);
  m.oid = r.be<std::uint32_t>();
  m.nspname = r.cstring();
  m.name = r.cstring();
  return finish(r, m, "Type");
}

// --- 'I' Insert: [xid] relid, 'N' new tuple ---------------------------------------------

void write(ByteWriter& w, const Insert& m, bool in_stream) {
  w.ch('I');
  write_xid(w, m.xid, in_stream);
  w.u32(m.relid).ch('N');
  write_tuple(w, m.new_tuple);
}
Decoded read_insert(ByteReader& r, bool in_stream) {
  Insert m;
  std::string error;
  m.xid = read_xid(r, in_stream);
  m.relid = r.be<std::uint32_t>();
  if (r.byte() != 'N' || !r.ok()) return DecodeError{"Insert without new tuple"};
  if (!read_tuple(r, m.new_tuple, error)) return DecodeError{"Insert: " + error};
  return finish(r, m, "Insert");
}

// --- 'U' Update: [xid] relid, optional 'O'|'K' old tuple, 'N' new tuple --------------------

void write(ByteWriter& w, const Update& m, bool in_stream) {
  w.ch('U');
  write_xid(w, m.xid, in_stream);
  w.u32(m.relid);
  if (m.old_kind != 0) {
    w.ch(m.old_kind);
    write_tuple(w, m.old_tuple);
  }
  w.ch('N');
  write_tuple(w, m.new_tuple);
}
Decoded read_update(ByteReader& r, bool in_stream) {
  Update m;
  std::string error;
  m.xid = read_xid(r, in_stream);
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

// --- 'D' Delete: [xid] relid, 'O'|'K' old tuple -------------------------------------------

void write(ByteWriter& w, const Delete& m, bool in_stream) {
  w.ch('D');
  write_xid(w, m.xid, in_stream);
  w.u32(m.relid).ch(m.old_kind);
  write_tuple(w, m.old_tuple);
}
Decoded read_delete(ByteReader& r, bool in_stream) {
  Delete m;
  std::string error;
  m.xid = read_xid(r, in_stream);
  m.relid = r.be<std::uint32_t>();
  const char k = r.byte();
  if (!r.ok() || (k != 'O' && k != 'K')) return DecodeError{"Delete without old tuple"};
  m.old_kind = k;
  if (!read_tuple(r, m.old_tuple, error)) return DecodeError{"Delete: " + error};
  return finish(r, m, "Delete");
}

// --- 'T' Truncate: [xid] relation count, options, relids ---------------------------------

void write(ByteWriter& w, const Truncate& m, bool in_stream) {
  w.ch('T');
  write_xid(w, m.xid, in_stream);
  w.u32(static_cast<std::uint32_t>(m.relids.size())).u8(m.options);
  for (auto id : m.relids) w.u32(id);
}
Decoded read_truncate(ByteReader& r, bool in_stream) {
  Truncate m;
  m.xid = read_xid(r, in_stream);
  const auto n = r.be<std::uint32_t>();
  m.options = r.be<std::uint8_t>();
  if (r.ok() && n > r.remaining() / 4) return DecodeError{"Truncate relation count too large"};
  if (r.ok() && n == 0) return DecodeError{"Truncate of no relation"};
  for (std::uint32_t i = 0; r.ok() && i < n; ++i) m.relids.push_back(r.be<std::uint32_t>());
  return finish(r, m, "Truncate");
}

// --- 'S' Stream Start: xid, first-segment flag --------------------------------------------

void write(ByteWriter& w, const StreamStart& m, bool) {
  w.ch('S').u32(m.xid).u8(m.first_segment ? 1 : 0);
}
Decoded read_stream_start(ByteReader& r) {
  StreamStart m;
  m.xid = r.be<std::uint32_t>();
  const auto first = r.be<std::uint8_t>();
  if (r.ok() && first > 1) return DecodeError{"unknown Stream Start flag"};
  if (r.ok() && m.xid == 0) return DecodeError{"Stream Start without a transaction id"};
  m.first_segment = first == 1;
  return finish(r, m, "Stream Start");
}

// --- 'E' Stream Stop: nothing -----------------------------------------------------------

void write(ByteWriter& w, const StreamStop&, bool) {
  w.ch('E');
}

// --- 'c' Stream Commit: xid, flags (0), commit LSN, end LSN, commit time -------------------

void write(ByteWriter& w, const StreamCommit& m, bool) {
  w.ch('c').u32(m.xid);
  write_commit_fields(w, m);
}
Decoded read_stream_commit(ByteReader& r) {
  StreamCommit m;
  m.xid = r.be<std::uint32_t>();
  return read_commit_fields(r, m, "Stream Commit");
}

// --- 'A' Stream Abort: xid, subxid ------------------------------------------------------

void write(ByteWriter& w, const StreamAbort& m, bool) {
  w.ch('A').u32(m.xid).u32(m.subxid);
}
Decoded read_stream_abort(ByteReader& r) {
  StreamAbort m;
  m.xid = r.be<std::uint32_t>();
  m.subxid = r.be<std::uint32_t>();
  return finish(r, m, "Stream Abort");
}

}  // namespace

Decoded decode_message(std::string_view bytes, bool in_stream) {
  ByteReader r(bytes);
  const char tag = r.byte();
  if (!r.ok()) return DecodeError{"empty message"};
  switch (tag) {
    case 'B':
      return read_begin(r);
    case 'C':
      return read_commit(r);
    case 'O':
      return read_origin(r);
    case 'R':
      return read_relation(r, in_stream);
    case 'Y':
      return read_type(r, in_stream);
    case 'I':
      return read_insert(r, in_stream);
    case 'U':
      return read_update(r, in_stream);
    case 'D':
      return read_delete(r, in_stream);
    case 'T':
      return read_truncate(r, in_stream);
    case 'S':
      return read_stream_start(r);
    case 'E':
      return finish(r, StreamStop{}, "Stream Stop");
    case 'c':
      return read_stream_commit(r);
    case 'A':
      return read_stream_abort(r);
    default:
      return DecodeError{std::string("unknown pgoutput message tag '") + tag + "'"};
  }
}

std::string encode_message(const Message& m, bool in_stream) {
  ByteWriter w;
  std::visit([&](const auto& msg) { write(w, msg, in_stream); }, m);
  return w.take();
}

}  // namespace syncline::cdc
