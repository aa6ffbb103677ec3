#include "stream/catch_up.h"

#include <boost/json/parse.hpp>
#include <chrono>
#include <thread>

#include "db/sql.h"
#include "entities/registry.h"
#include "entities/store.h"

namespace syncline::stream {

namespace json = boost::json;

namespace {
// SELECT list + JOINs for every registered type: e<i> aliases, 4 columns each.
const std::string& page_sql() {
  static const std::string sql = [] {
    std::string cols, joins;
    int i = 0;
    for (const auto& t : entities::entity_types()) {
      std::string alias = "e" + std::to_string(i++);
      cols += ", " + entities::representation_columns(t, alias);
      joins += " LEFT JOIN " + t.table + " " + alias + " ON a.entity_type = '" + t.name + "' AND " +
               alias + ".id = a.entity_id AND " + alias + ".organization_id = a.organization_id";
    }
    return "SELECT a.id, a.organization_id, a.entity_type, a.entity_id, a.action,"
           " a.changed_keys::text, a.tx::text, " +
           db::rfc3339("a.created_at") + cols + " FROM activities a" + joins +
           " WHERE ($1::text IS NULL OR a.organization_id = $1) AND a.id > $2 AND a.id <= $3"
           " ORDER BY a.id LIMIT $4";
  }();
  return sql;
}

json::value parse_or_null(const db::Rows& r, int row, int col) {
  if (r.is_null(row, col)) return nullptr;
  boost::system::error_code ec;
  auto v = json::parse(r.get(row, col), ec);
  return ec ? json::value(nullptr) : v;
}
}  // namespace

bool older_than_activity(const json::value& tx, const json::value& data,
                         const json::value& field_tx) {
  if (!tx.is_object() || !data.is_object() || !field_tx.is_object()) return false;
  const auto* id = tx.as_object().if_contains("transactionId");
  if (!id || !id->is_string()) return false;
  for (const auto& kv : field_tx.as_object())
    if (kv.value().is_string() && kv.value().as_string() >= id->as_string()) return false;
  return true;
}

namespace {
// How long a read waits for a commit that decoding already saw to become visible: in practice
// microseconds; the bound only keeps a row someone rewrote without fieldTx from stalling.
constexpr int kVisibilityTries = 50;
constexpr auto kVisibilityPause = std::chrono::milliseconds(2);
}  // namespace

static Page read_page_once(db::Connection& c, const std::string& org_id, std::int64_t after,
                           std::int64_t upto, int limit, bool& stale);

Page read_page(db::Connection& c, const std::string& org_id, std::int64_t after, std::int64_t upto,
               int limit) {
  for (int attempt = 1;; ++attempt) {
    bool stale = false;
    auto page = read_page_once(c, org_id, after, upto, limit, stale);
    if (!stale || attempt >= kVisibilityTries) return page;
    std::this_thread::sleep_for(kVisibilityPause);
  }
}

static Page read_page_once(db::Connection& c, const std::string& org_id, std::int64_t after,
                           std::int64_t upto, int limit, bool& stale) {
  auto r = c.exec(page_sql(), {org_id.empty() ? db::Param() : db::Param(org_id),
                               std::to_string(after), std::to_string(upto), std::to_string(limit)});
  Page page;
  page.scanned_to = after;
  page.full = r.size() >= limit;
  const auto& types = entities::entity_types();
  for (int i = 0; i < r.size(); ++i) {
    ActivityFields a;
    a.id = r.get_int(i, 0);
    a.org_id = r.get(i, 1);
    a.entity_type = r.get(i, 2);
    a.entity_id = r.get(i, 3);
    a.action = r.get(i, 4);
    a.changed_keys = parse_or_null(r, i, 5);
    a.tx = parse_or_null(r, i, 6);
    a.created_at = r.get(i, 7);
    for (std::size_t t = 0; t < types.size(); ++t) {
      int base = 8 + static_cast<int>(t) * entities::kRepresentationColumnCount;
      if (types[t].name != a.entity_type || r.is_null(i, base)) continue;
      a.data = parse_or_null(r, i, base);
      a.field_tx = parse_or_null(r, i, base + 1);
    }
    stale = stale || older_than_activity(a.tx, a.data, a.field_tx);
    page.scanned_to = a.id;
    page.events.push_back(make_event(a));
  }
  return page;
}

EntityState read_entity(db::Connection& c, const std::string& entity_type,
                        const std::string& org_id, const std::string& entity_id,
                        const json::value& tx) {
  const auto* type = entities::find_by_name(entity_type);
  if (!type) return {};
  for (int attempt = 1;; ++attempt) {
    EntityState s;
    if (auto e = entities::fetch_entity(c, *type, org_id, entity_id)) {
      s.data = e->representation.at("data");
      s.field_tx = e->representation.at("fieldTx");
    }
    if (!older_than_activity(tx, s.data, s.field_tx) || attempt >= kVisibilityTries) return s;
    std::this_thread::sleep_for(kVisibilityPause);
  }
}

std::int64_t head_of(db::Connection& c, const std::string& org_id) {
  auto r =
      c.exec("SELECT coalesce(max(id), 0) FROM activities WHERE organization_id = $1", {org_id});
  return r.get_int(0, 0);
}

}  // namespace syncline::stream
