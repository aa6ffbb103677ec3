#include "cdc/activity_writer.h"
#include "common/json_text.h"

#include <boost/json/serialize.hpp>
#include <map>

#include "db/array.h"
#include "db/sql.h"
#include "wire/notice.h"

namespace syncline::cdc {

namespace json = boost::json;

std::size_t write_activities(db::Connection& c, const std::vector<PendingActivity>& activities) {
  if (activities.empty()) return 0;
  std::vector<std::optional<std::string>> lsn, seq, org, user, type, id, action, keys, tx;
  for (const auto& a : activities) {
    lsn.emplace_back(format_lsn(a.lsn));
    seq.emplace_back(std::to_string(a.seq));
    org.emplace_back(a.org_id);
    user.emplace_back(a.user_id);
    type.emplace_back(a.entity_type);
    id.emplace_back(a.action == wire::Action::kRefetch ? std::nullopt
                                                       : std::optional<std::string>(a.entity_id));
    action.emplace_back(wire::to_string(a.action));
    keys.emplace_back(json_text(a.changed_keys));
    tx.emplace_back(a.tx.is_null() ? std::nullopt : std::optional<std::string>(json_text(a.tx)));
  }
  db::Transaction t(c);
  // One writer holds the advisory lock, so ids (bigserial, assigned in ordinality order)
  // increase in commit order: offsets are gap-free (DESIGN §5). For the same reason the log is
  // written in (lsn, seq) order, each batch whole or not at all: a replayed activity is one at
  // or below the newest row's (lsn, seq) (the log is partitioned: no unique (lsn, seq)). Only
  // the rows since the current slot was made count (a truncate's epoch keeps the slot, and a
  // replay may cross it): positions of another slot (a database restored elsewhere starts its
  // WAL lower) never hide this one's activities.
  auto rows = c.exec(
      "WITH hw AS (SELECT lsn, seq FROM activities WHERE id >= (SELECT"
      " coalesce(max(first_activity_id), 0) FROM sync_epochs WHERE starts_slot)"
      " ORDER BY id DESC LIMIT 1)"
      " INSERT INTO activities (lsn, seq, organization_id, user_id, entity_type, entity_id,"
      " action, changed_keys, tx)"
      " SELECT l, s, o, u, et, ei, a, k, x FROM unnest($1::pg_lsn[], $2::int[], $3::text[],"
      " $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::jsonb[])"
      " WITH ORDINALITY AS b(l, s, o, u, et, ei, a, k, x, n)"
      " WHERE NOT EXISTS (SELECT 1 FROM hw WHERE (b.l, b.s) <= (hw.lsn, hw.seq)) ORDER BY n"
      " RETURNING id, lsn::text, seq, " +
          db::rfc3339("created_at"),
      {db::array_literal(lsn), db::array_literal(seq), db::array_literal(org),
       db::array_literal(user), db::array_literal(type), db::array_literal(id),
       db::array_literal(action), db::array_literal(keys), db::array_literal(tx)});
  std::map<std::pair<Lsn, int>, std::pair<std::int64_t, std::string>> stored;
  for (int i = 0; i < rows.size(); ++i)
    stored[{parse_lsn(rows.get(i, 1)).value_or(0), static_cast<int>(rows.get_int(i, 2))}] = {
        rows.get_int(i, 0), std::string(rows.get(i, 3))};
  std::vector<wire::Activity> batch;
  for (const auto& a : activities) {
    auto it = stored.find({a.lsn, a.seq});
    if (it == stored.end()) continue;  // a replay: stored (and announced) before
    wire::Activity written = a;        // the record, now with its id and time
    written.id = it->second.first;
    written.created_at = it->second.second;
    batch.push_back(std::move(written));
  }
  std::vector<std::optional<std::string>> payloads;
  for (auto& p : wire::encode_batch(batch)) payloads.emplace_back(std::move(p));
  if (!payloads.empty())
    c.exec("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p",
           {wire::kActivityChannel, db::array_literal(payloads)});
  t.commit();
  return batch.size();
}

}  // namespace syncline::cdc
