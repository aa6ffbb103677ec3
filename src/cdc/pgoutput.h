// pgoutput (proto_version 2, streaming on) messages, decoded from the bytes of one XLogData
// payload. A transaction Postgres streams while it is still in progress (over
// logical_decoding_work_mem) comes as blocks Stream Start … Stream Stop, whose change messages
// carry the (sub)transaction's xid, ended by Stream Commit or Stream Abort.
// Format reference: PostgreSQL src/backend/replication/logical/proto.c and
// doc "Logical Replication Message Formats". Integers are big-endian; strings end in NUL.
// The decoder is pure: no I/O, no allocation beyond the returned values, and it never
// trusts a length: short or malformed input is an error value, never a crash. Each message has
// a writer beside its reader (pgoutput.cpp; frames in replication_frames.cpp): the tests and
// the fuzzer check that a reader reads back exactly what its writer wrote.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace syncline::cdc {

using Lsn = std::uint64_t;

std::string format_lsn(Lsn lsn);                      // "16/B374D848"
std::optional<Lsn> parse_lsn(std::string_view text);  // inverse of format_lsn

struct Begin {                   // 'B'
  Lsn final_lsn = 0;             // LSN of the commit record
  std::int64_t commit_time = 0;  // µs since 2000-01-01
  std::uint32_t xid = 0;
};

struct Commit {  // 'C'
  std::uint8_t flags = 0;
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;  // acknowledge this one (acking commit_lsn replays the transaction)
  std::int64_t commit_time = 0;
};

struct Origin {  // 'O'
  Lsn lsn = 0;
  std::string name;
};

struct RelationColumn {
  bool key = false;  // part of the replica identity
  std::string name;
  std::uint32_t type_oid = 0;
  std::int32_t type_modifier = 0;
};

struct Relation {         // 'R'
  std::uint32_t xid = 0;  // in a stream block only
  std::uint32_t relid = 0;
  std::string nspname;  // "" means pg_catalog
  std::string relname;
  char replica_identity = 'd';
  std::vector<RelationColumn> columns;
};

struct Type {  // 'Y'
  std::uint32_t xid = 0;
  std::uint32_t oid = 0;
  std::string nspname;
  std::string name;
};

struct Value {
  enum Kind : char { kNull = 'n', kText = 't', kUnchangedToast = 'u' };
  Kind kind = kNull;
  std::string text;  // only for kText
};
using Tuple = std::vector<Value>;

// The change messages' xid: the (sub)transaction of a streamed change, else 0.
struct Insert {  // 'I'
  std::uint32_t xid = 0;
  std::uint32_t relid = 0;
  Tuple new_tuple;
};

struct Update {  // 'U'
  std::uint32_t xid = 0;
  std::uint32_t relid = 0;
  char old_kind = 0;  // 'O' (full old row), 'K' (key only) or 0 (none sent)
  Tuple old_tuple;
  Tuple new_tuple;
};

struct Delete {  // 'D'
  std::uint32_t xid = 0;
  std::uint32_t relid = 0;
  char old_kind = 'O';  // 'O' or 'K'
  Tuple old_tuple;
};

struct Truncate {  // 'T'
  std::uint32_t xid = 0;
  std::uint8_t options = 0;  // 1 = CASCADE, 2 = RESTART IDENTITY
  std::vector<std::uint32_t> relids;
};

struct StreamStart {      // 'S'
  std::uint32_t xid = 0;  // the top-level transaction
  bool first_segment = false;
};
struct StreamStop {};  // 'E'
struct StreamCommit {  // 'c'
  std::uint32_t xid = 0;
  std::uint8_t flags = 0;
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;
  std::int64_t commit_time = 0;
};
struct StreamAbort {  // 'A'
  std::uint32_t xid = 0;
  std::uint32_t subxid = 0;  // == xid: the whole transaction; else that subtransaction
};

using Message = std::variant<Begin, Commit, Origin, Relation, Type, Insert, Update, Delete,
                             Truncate, StreamStart, StreamStop, StreamCommit, StreamAbort>;

struct DecodeError {
  std::string message;
};

// Decodes one pgoutput message; `in_stream`: between Stream Start and Stream Stop, where
// Relation, Type, Insert, Update, Delete and Truncate begin with an xid. Unknown tags, unknown
// tuple kinds and short input are errors.
// Readers also refuse what Postgres never sends: a Begin or Stream Start without an xid, a
// Begin without a final LSN, a (Stream) Commit whose end LSN precedes its commit LSN, a
// Relation without an OID, a Truncate of no relation.
std::variant<Message, DecodeError> decode_message(std::string_view bytes, bool in_stream = false);
// The writers: the bytes Postgres would send for `m` (decode_message reads them back).
std::string encode_message(const Message& m, bool in_stream = false);

// The replication protocol frames around pgoutput messages (inside CopyData).
struct XLogData {  // 'w'
  Lsn data_start = 0;
  Lsn wal_end = 0;
  std::int64_t send_time = 0;
  std::string_view payload;  // points into the input
};
struct Keepalive {  // 'k'
  Lsn wal_end = 0;
  std::int64_t send_time = 0;
  bool reply_requested = false;
};
using Frame = std::variant<XLogData, Keepalive>;
std::variant<Frame, DecodeError> decode_frame(std::string_view bytes);
std::string encode_frame(const Frame& f);

// The 34-byte standby status update ('r'): written, flushed and applied positions.
std::string encode_status_update(Lsn write, Lsn flush, Lsn apply, std::int64_t client_time,
                                 bool reply_requested);

// Microseconds since 2000-01-01 (the replication protocol's epoch) for a Unix time in µs.
std::int64_t to_pg_epoch_us(std::int64_t unix_us);

}  // namespace syncline::cdc
