#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/): valid and nearly valid
inputs of each format, built here by hand (big-endian pgoutput frames, JSON bodies, targets,
NOTIFY payloads, SSE streams, HLC ids). Run once after changing it; the files are committed."""
import json, os, struct

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def write(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def cstr(s): return s.encode() + b"\0"
def text(s): b = s.encode(); return b"t" + struct.pack(">i", len(b)) + b
def xlog(msg): return b"w" + struct.pack(">QQq", 16, 32, 1) + msg

# pgoutput (proto 2): Begin, Relation, Insert/Update/Delete, Truncate, Commit; keepalives.
begin = b"B" + struct.pack(">QqI", 0x1000, 1, 777)
commit = b"C" + b"\0" + struct.pack(">QQq", 0x1000, 0x1040, 1)
cols = [(1, "id"), (1, "organization_id"), (0, "name"), (0, "tx"), (0, "field_tx")]
relation = b"R" + struct.pack(">I", 16384) + cstr("public") + cstr("pages") + b"f" + \
    struct.pack(">h", len(cols)) + b"".join(struct.pack(">B", k) + cstr(n) + struct.pack(">Ii", 25, -1) for k, n in cols)
tuple_ = struct.pack(">h", 5) + text("p1") + text("o1") + text("Home") + b"n" + text("{}")
insert = b"I" + struct.pack(">I", 16384) + b"N" + tuple_
update = b"U" + struct.pack(">I", 16384) + b"O" + tuple_ + b"N" + struct.pack(">h", 5) + text("p1") + text("o1") + b"u" + b"n" + text("{}")
delete = b"D" + struct.pack(">I", 16384) + b"O" + tuple_
truncate = b"T" + struct.pack(">IB", 1, 0) + struct.pack(">I", 16384)
typ = b"Y" + struct.pack(">I", 99999) + cstr("public") + cstr("mood")
origin = b"O" + struct.pack(">Q", 5) + cstr("origin")
for i, m in enumerate([begin, commit, relation, insert, update, delete, truncate, typ, origin]):
    write("pgoutput_fuzz", f"msg-{i}", xlog(m))
    write("pgoutput_fuzz", f"raw-{i}", m)
write("pgoutput_fuzz", "keepalive", b"k" + struct.pack(">Qq", 0x2000, 1) + b"\1")
write("pgoutput_fuzz", "short-insert", xlog(insert[:-3]))
# proto 2 streaming: Stream Start / Stop / Commit / Abort, and an insert inside a block (its
# xid first).
stream_msgs = [b"S" + struct.pack(">IB", 777, 1), b"E",
               b"c" + struct.pack(">IBQQq", 777, 0, 0x1000, 0x1040, 1),
               b"A" + struct.pack(">II", 777, 778),
               b"I" + struct.pack(">II", 778, 16384) + b"N" + tuple_]
for i, m in enumerate(stream_msgs):
    write("pgoutput_fuzz", f"stream-{i}", m)

# cdc_values: column texts of a pages row, NUL-separated (\1 = null, \2 = unchanged TOAST):
# id, organization_id, tx, field_tx, then the registry's fields.
fields = ["Home", "desc", "kw", "published", "parent", "1.5", "2026-11-25 15:42:14.31+00",
          "u1", "2026-11-25 15:42:14+00", "u2"]
write("cdc_values_fuzz", "row", "\0".join(["p1", "o1", json.dumps({"transactionId": "1764081234567.0000.abc", "sourceId": "abc", "changedField": "name"}),
                                          json.dumps({"name": "1764081234567.0000.abc"})] + fields))
write("cdc_values_fuzz", "nulls", "\0".join(["p1", "o1", "\1", "{}"] + ["\1"] * len(fields)))
write("cdc_values_fuzz", "odd", "\0".join(["p1", "o1", "[1]", "{\"a\":1}", "\2", "x", "y", "archived", "\1", "1e308", "infinity", "\1", "-infinity", "\1"]))

# Mutation bodies.
tx = {"transactionId": "1764081234567.0000.laptop01", "sourceId": "laptop01"}
bodies = [
    {"data": {"id": "home", "name": "Home", "status": "published", "displayOrder": 2.5}, "tx": {**tx, "changedField": None, "expectedTransactionId": None}},
    {"data": {"name": "Home page"}, "tx": {**tx, "changedField": "name", "expectedTransactionId": "1764081234566.0000.laptop01"}},
    {"data": None, "tx": {**tx, "changedField": None}},
    {"data": {"size": 18446744073709551615, "public": True, "contentType": "x" * 300}, "tx": {**tx, "changedField": "size"}},
    {"data": {"parentId": "bad id!"}, "tx": {**tx, "transactionId": "9999999999999.9999.zzzzzzzzzzzzz", "changedField": "parentId"}},
]
for i, b in enumerate(bodies): write("mutation_fuzz", f"body-{i}", json.dumps(b))
write("mutation_fuzz", "deep", "[" * 40 + "]" * 40)
write("mutation_fuzz", "escapes", '{"data":{"name":"\\u0001\\ud83d\\ude00"},"tx":{"transactionId":"1764081234567.0000.a","sourceId":"a","changedField":"name"}}')

# Request targets.
for i, t in enumerate(["/organizations/acme/pages?limit=50&cursor=abc", "/organizations/ac%20me/live?live=sse&offset=-1&entityTypes=page,attachment",
                       "/a%2Fb", "/a?x=%00", "/%c3%28", "/?&&==&a=b=c", "//double//slash", "/a?" + "k=v&" * 50]):
    write("target_fuzz", f"target-{i}", t)

# NOTIFY payloads.
activity = {"orgId": "o1", "activityId": 7, "entityType": "page", "entityId": "p1", "action": "update",
            "tx": {"transactionId": "1764081234567.0000.abc", "sourceId": "abc", "changedField": "name"},
            "changedKeys": ["name"], "createdAt": "2026-12-01T00:00:00.000000Z",
            "entity": {"data": {"id": "p1", "organizationId": "o1", "name": "Home\n\u0001"}, "fieldTx": {"name": "1764081234567.0000.abc"}}}
write("notice_fuzz", "activity", json.dumps(activity))
write("notice_fuzz", "cut", json.dumps({**activity, "entity": None}))
write("notice_fuzz", "delete", json.dumps({**activity, "action": "delete", "entity": None}))
write("notice_fuzz", "doorbell", json.dumps({"orgId": "o1", "fromActivityId": 10, "toActivityId": 150}))
write("notice_fuzz", "control", json.dumps({"orgId": None, "userId": "u1"}))

# SSE streams (first byte: chunk size).
write("sse_fuzz", "frames", b"\x05" + b"\xef\xbb\xbfretry: 2000\n\nevent: change\nid: 7\ndata: {\"a\":1}\n\n: keep-alive\n\nevent: offset\r\nid: 7\r\ndata: {\"cursor\":7}\r\n\r\n")
write("sse_fuzz", "multiline", b"\x01data: a\ndata:b\rdata\n\nid: x\0y\ndata: z\n\n")

# HLC ids (two halves compared).
write("hlc_fuzz", "pair", "1764081234567.0000.laptop011764081234568.0001.phone002")
write("hlc_fuzz", "same", "1764081234567.0000.abc1764081234567.0000.abc")

# JWT payloads (signed by the harness) and whole tokens.
write("jwt_fuzz", "claims", '{"sub":"u1","iss":"iss","aud":["x","aud"],"exp":1764000100,'
      '"nbf":1763999000,"syncline_orgs":{"org_1":"admin","o2":"member"}}')
write("jwt_fuzz", "expired", '{"sub":"u1","iss":"iss","aud":"aud","exp":1,"syncline_orgs":{}}')
write("jwt_fuzz", "token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln")
