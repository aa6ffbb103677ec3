#include "stream/catch_up.h"

#include <boost/json/parse.hpp>

#include "common/json_parse.h"
#include "db/sql.h"
#include "entities/registry.h"
#include "entities/store.h"

namespace syncline::stream {

namespace json = boost::json;

namespace {
constexpr int kColumnsPerType = 2;  // data, fieldTx
constexpr int kFirstEntityColumn = 8;

// Innermost: the page's activities LEFT JOINed with every registered type's table (d<i>, f<i>
// per type); then a running total of entity bytes; outermost: the activities within
// kPageBytes (always the first). `fetched` tells a byte cut from the end of the range.
const std::string& page_sql() {
  static const std::string sql = [] {
    std::string cols, joins, size = "0";
    int i = 0;
    for (const auto& t : entities::entity_types()) {
      auto n = std::to_string(i++);
      std::string alias = "e" + n;
      // A LEFT JOIN without a row still builds an object (of nulls): the entity is gone.
      cols += ", CASE WHEN " + alias + "." + db::ident(t.key_column) + " IS NOT NULL THEN " +
              entities::data_object(t, alias) + " END AS d" + n + ", " + alias + ".field_tx AS f" +
              n;
      size += " + coalesce(octet_length(q.d" + n + "::text) + octet_length(q.f" + n + "::text), 0)";
      joins += " LEFT JOIN " + t.sql_table + " " + alias + " ON a.entity_type = '" + t.name +
               "' AND " + alias + "." + db::ident(t.key_column) + " = a.entity_id AND " + alias +
               "." + db::ident(t.org_column) + " = a.organization_id";
    }
    std::string out =
        "p.id, p.organization_id, p.entity_type, p.entity_id, p.action, p.ck, p.tx,"
        " p.at";
    for (int k = 0; k < i; ++k) out += ", p.d" + std::to_string(k) + ", p.f" + std::to_string(k);
    return "SELECT " + out + ", p.fetched FROM (SELECT q.*, sum(" + size +
           ") OVER (ORDER BY q.id) AS run, " + size +
           " AS sz, count(*) OVER () AS fetched FROM (SELECT a.id, a.organization_id,"
           " a.entity_type, a.entity_id, a.action, a.changed_keys::text AS ck, a.tx::text AS tx, " +
           db::rfc3339("a.created_at") + " AS at" + cols + " FROM activities a" + joins +
           " WHERE ($1::text IS NULL OR a.organization_id = $1) AND a.id > $2 AND a.id <= $3"
           " ORDER BY a.id LIMIT $4) q) p WHERE p.run - p.sz < $5 ORDER BY p.id";
  }();
  return sql;
}

json::value parse_or_null(const db::Rows& r, int row, int col) {
  if (r.is_null(row, col)) return nullptr;
  boost::system::error_code ec;
  auto v = parse_json(r.get(row, col), ec);
  return ec ? json::value(nullptr) : v;
}
}  // namespace

namespace {
struct Page {
  std::vector<EventPtr> events;
  std::int64_t scanned_to = 0;
  bool full = false;
  bool pruned = false;
};

Page read_page(db::Connection& c, const std::string& org_id, std::int64_t after, std::int64_t upto,
               int limit) {
  auto r = c.exec(page_sql(), {org_id.empty() ? db::Param() : db::Param(org_id),
                               std::to_string(after), std::to_string(upto), std::to_string(limit),
                               std::to_string(entities::kPageBytes)});
  Page page;
  page.scanned_to = after;
  const auto& types = entities::entity_types();
  const int fetched_col = kFirstEntityColumn + static_cast<int>(types.size()) * kColumnsPerType;
  page.full =
      !r.empty() && (r.get_int(0, fetched_col) >= limit || r.get_int(0, fetched_col) > r.size());
  for (int i = 0; i < r.size(); ++i) {
    wire::Activity a;
    a.id = r.get_int(i, 0);
    a.org_id = r.get(i, 1);
    a.entity_type = r.get(i, 2);
    a.entity_id = r.get(i, 3);
    a.action = wire::parse_action(r.get(i, 4)).value_or(wire::Action::kUpdate);  // CHECKed
    if (auto keys = parse_or_null(r, i, 5); keys.is_array()) a.changed_keys = keys.as_array();
    a.tx = parse_or_null(r, i, 6);
    a.created_at = r.get(i, 7);
    // The entity as it is now (data null when it is gone).
    a.entity = json::object{{"data", nullptr}, {"fieldTx", json::object{}}};
    for (std::size_t t = 0; t < types.size(); ++t) {
      int base = kFirstEntityColumn + static_cast<int>(t) * kColumnsPerType;
      if (types[t].name != a.entity_type || r.is_null(i, base)) continue;
      a.entity = json::object{{"data", parse_or_null(r, i, base)},
                              {"fieldTx", parse_or_null(r, i, base + 1)}};
    }
    page.scanned_to = a.id;
    page.events.push_back(make_event(std::move(a)));
  }
  // After the read: the floor is committed before its rows go, so a page that missed pruned
  // rows sees the floor past `after` here.
  if (!org_id.empty()) page.pruned = floor_of(c, org_id) > after;
  return page;
}
}  // namespace

LogRead read_log(db::Connection& c, const std::string& org_id, std::int64_t after,
                 const Subscriber* reader, std::int64_t upto, int limit) {
  auto page = read_page(c, org_id, after, upto, limit);
  LogRead out{{}, page.scanned_to, page.full, page.pruned};
  for (auto& e : page.events) {
    auto seen = reader ? reader->view(e) : e;
    if (!seen) continue;
    if (seen->refetch() && reader && !reader->takes_refetch()) out.reset = true;
    out.events.push_back(std::move(seen));
  }
  if (out.reset) out.events.clear();
  return out;
}

std::int64_t floor_of(db::Connection& c, const std::string& org_id) {
  return c
      .exec("SELECT coalesce((SELECT floor FROM activity_floors WHERE organization_id = $1), 0)",
            {org_id})
      .get_int(0, 0);
}

std::int64_t head_of(db::Connection& c, const std::string& org_id) {
  // Never below the current epoch's boundary: a quiet org's position must stay valid.
  auto r = c.exec(
      "SELECT greatest((SELECT coalesce(max(id), 0) FROM activities WHERE organization_id = $1),"
      " (SELECT first_activity_id - 1 FROM sync_epochs WHERE ready ORDER BY id DESC LIMIT 1),"
      " (SELECT floor FROM activity_floors WHERE organization_id = $1))",
      {org_id});
  return r.get_int(0, 0);
}

}  // namespace syncline::stream
