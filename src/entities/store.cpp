#include "entities/store.h"

#include <algorithm>

#include <boost/json/parse.hpp>

#include "common/base64url.h"
#include "common/json_parse.h"
#include "common/strings.h"
#include "db/sql.h"

namespace syncline::entities {

namespace json = boost::json;
using db::ident;

namespace {
std::string column_expr(const Field& f, const std::string& alias) {
  if (f.kind == FieldKind::kTimestamp) return db::rfc3339(alias + "." + ident(f.column));
  return alias + "." + ident(f.column);
}

std::string owner_of(const EntityType& type, const std::string& alias) {
  return type.owner_column.empty() ? "NULL::text"
                                   : alias + "." + ident(type.owner_column) + "::text";
}

std::string encode_cursor(const std::string& id) {
  return base64url_encode(id);
}

std::optional<std::string> decode_cursor(const std::string& c) {
  if (c.empty() || c.size() > 128) return std::nullopt;
  auto out = base64url_decode(c);
  if (!out) return std::nullopt;
  if (!is_valid_id(*out)) return std::nullopt;
  return out;
}
}  // namespace

std::string data_object(const EntityType& type, const std::string& alias) {
  const std::string& a = alias;
  std::string data = "json_build_object('id', " + a + "." + ident(type.key_column) +
                     ", 'organizationId', " + a + "." + ident(type.org_column);
  for (const auto& f : type.fields) data += ", '" + f.json + "', " + column_expr(f, a);
  return data + ")";
}

std::string line_columns(const EntityType& type, const std::string& alias) {
  const std::string& a = alias;
  // JSON names are [a-z][A-Za-z0-9]* (schema_file.h): safe as quoted identifiers.
  std::string data = a + "." + ident(type.key_column) + " AS \"id\", " + a + "." +
                     ident(type.org_column) + " AS \"organizationId\"";
  for (const auto& f : type.fields) data += ", " + column_expr(f, a) + " AS \"" + f.json + "\"";
  return "'" + type.name + "' AS \"entityType\", (SELECT d FROM (SELECT " + data +
         ") d) AS \"data\", " + a + ".field_tx AS \"fieldTx\", " + a + ".tx AS \"tx\"";
}

std::string representation_columns(const EntityType& type, const std::string& alias) {
  const std::string& a = alias;
  return data_object(type, a) + ", " + a + ".field_tx, " + a + ".tx, " + owner_of(type, a);
}

Stored stored_from(const db::Rows& r, int row, int c) {
  json::object rep;
  rep["data"] = parse_json(r.get(row, c));
  rep["fieldTx"] = parse_json(r.get(row, c + 1));
  rep["tx"] = r.is_null(row, c + 2) ? json::value(nullptr) : parse_json(r.get(row, c + 2));
  return Stored{std::move(rep), r.opt(row, c + 3)};
}

std::optional<Stored> fetch_entity(db::Connection& c, const EntityType& type,
                                   const std::string& org_id, const std::string& id, bool lock) {
  if (!is_valid_id(id)) return std::nullopt;
  auto r = c.exec("SELECT " + representation_columns(type) + " FROM " + type.sql_table +
                      " t WHERE t." + ident(type.key_column) + " = $1 AND t." +
                      ident(type.org_column) + " = $2" + (lock ? " FOR UPDATE" : ""),
                  {id, org_id});
  if (r.empty()) return std::nullopt;
  return stored_from(r, 0);
}

Result<Page> list_entities(db::Connection& c, const EntityType& type, const std::string& org_id,
                           const ListQuery& q) {
  db::Param after;
  if (q.cursor) {
    after = decode_cursor(*q.cursor);
    if (!after) return bad_request("INVALID_CURSOR", "cursor is not one this server issued");
  }
  // DATA-SCALE-001: the key in its own collation, so the (org, key) index serves the order
  // and the cursor: a page reads about `limit` rows, whatever the org holds.
  const std::string key = "t." + ident(type.key_column);
  db::Params params{org_id, after, std::to_string(std::min(q.limit, kPageItems) + 1),
                    std::to_string(kPageBytes)};
  std::string filter = q.shape ? q.shape->sql("t", params) : "";
  if (q.owner) {  // a read grant of `own`: only the caller's rows
    params.push_back(*q.owner);
    filter += " AND " + owner_of(type, "t") + " = $" + std::to_string(params.size());
  }
  // Innermost: the rows of the page (one more than asked, to know whether more follow);
  // then the running byte total; outermost: the rows within kPageBytes (always the first).
  auto r = c.exec(
      "SELECT d, f, x, cb, k, fetched FROM (SELECT q.*, sum(octet_length(q.d::text)"
      " + octet_length(q.f::text)) OVER (ORDER BY q.k) AS run, octet_length(q.d::text)"
      " + octet_length(q.f::text) AS sz, count(*) OVER () AS fetched FROM (SELECT " +
          data_object(type, "t") + " AS d, t.field_tx AS f, t.tx AS x, " + owner_of(type, "t") +
          " AS cb, " + key + " AS k FROM " + type.sql_table + " t WHERE t." +
          ident(type.org_column) + " = $1 AND ($2::text IS NULL OR " + key + " > $2)" + filter +
          " ORDER BY " + key + " LIMIT $3) q) p WHERE p.run - p.sz < $4 ORDER BY p.k",
      params);
  Page page;
  auto wanted = static_cast<int>(std::min(q.limit, kPageItems));
  int n = std::min(r.size(), wanted);
  for (int i = 0; i < n; ++i) page.items.push_back(stored_from(r, i).representation);
  bool more = n > 0 && r.get_int(0, 5) > n;
  if (more) page.next_cursor = encode_cursor(std::string(r.get(n - 1, 4)));
  return page;
}

}  // namespace syncline::entities
