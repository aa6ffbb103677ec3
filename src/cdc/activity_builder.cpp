#include "cdc/activity_builder.h"

#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "common/json_parse.h"
#include "entities/registry.h"

namespace syncline::cdc {

namespace json = boost::json;
using entities::EntityType;
using entities::Field;
using entities::FieldKind;

namespace {

constexpr const char* kAppliedTable = "applied_transactions";

// Column values of one tuple by column name; 'u' (unchanged TOAST) falls back to the old row.
class Row {
 public:
  Row(const Relation& rel, const Tuple& t, const Tuple* old = nullptr)
      : rel_(rel), t_(t), old_(old) {}
  const Value* get(const std::string& column) const {
    for (std::size_t i = 0; i < rel_.columns.size() && i < t_.size(); ++i) {
      if (rel_.columns[i].name != column) continue;
      if (t_[i].kind == Value::kUnchangedToast && old_ && i < old_->size()) return &(*old_)[i];
      return &t_[i];
    }
    return nullptr;
  }
  std::optional<std::string> text(const std::string& column) const {
    const Value* v = get(column);
    if (!v || v->kind != Value::kText) return std::nullopt;
    return v->text;
  }

 private:
  const Relation& rel_;
  const Tuple& t_;
  const Tuple* old_;
};

json::value typed(const Field& f, const std::string& text) {
  switch (f.kind) {
    case FieldKind::kText:
    case FieldKind::kEnum:
    case FieldKind::kId:
    case FieldKind::kRef:
      return json::value(text);
    case FieldKind::kJson: {
      boost::system::error_code ec;
      auto v = parse_json(text, ec);
      return ec ? json::value(nullptr) : v;
    }
    case FieldKind::kBoolean:
      return json::value(text == "t" || text == "true");
    case FieldKind::kInteger: {
      std::int64_t v = 0;
      std::from_chars(text.data(), text.data() + text.size(), v);
      return json::value(v);
    }
    case FieldKind::kNumber: {
      double d = std::strtod(text.c_str(), nullptr);
      if (!std::isfinite(d)) return nullptr;  // NaN, ±Infinity (or garbage out of range)
      // Integral values as integers, as Postgres' json_build_object renders them for GET.
      // (The range check comes first: casting 1e308 to an integer is undefined.)
      if (std::abs(d) < 9e15 && d == std::trunc(d))
        return json::value(static_cast<std::int64_t>(d));
      return json::value(d);
    }
    case FieldKind::kTimestamp:
      return json::value(pg_timestamp_to_rfc3339(text));
  }
  return json::value(text);
}

json::value field_value(const Field& f, const Row& row) {
  auto t = row.text(f.column);
  return t ? typed(f, *t) : json::value(nullptr);
}

json::value json_or_null(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  boost::system::error_code ec;
  auto v = syncline::parse_json(*text, ec);
  return ec ? json::value(nullptr) : v;
}

json::object entity_data(const EntityType& type, const Row& row) {
  json::object data;
  data["id"] = row.text(type.key_column).value_or("");
  data["organizationId"] = row.text(type.org_column).value_or("");
  for (const auto& f : type.fields) data[f.json] = field_value(f, row);
  return data;
}

bool is_bookkeeping(const Field& f) {
  return f.audit == entities::Audit::kModifiedAt || f.audit == entities::Audit::kModifiedBy;
}

bool same(const Value* a, const Value* b) {
  if (!a || !b) return a == b;
  if (b->kind == Value::kUnchangedToast) return true;
  return a->kind == b->kind && a->text == b->text;
}

struct AppliedTx {
  json::value tx;
  std::optional<std::string> user_id;
};

}  // namespace

std::string pg_timestamp_to_rfc3339(const std::string& text) {
  // Expected: "YYYY-MM-DD HH:MM:SS[.f{1,6}]+00"; anything else is passed through unchanged.
  if (text.size() < 22 || text[10] != ' ' || !text.ends_with("+00")) return text;
  std::string date = text.substr(0, 10), rest = text.substr(11, text.size() - 14);
  std::string clock = rest.substr(0, 8), frac;
  if (rest.size() > 9 && rest[8] == '.') frac = rest.substr(9);
  frac.resize(6, '0');
  return date + "T" + clock + "." + frac + "Z";
}

namespace {

using Claims = std::map<std::pair<std::string, std::string>, AppliedTx>;

// The API's claims in this transaction (applied_transactions inserts), by (entity type, id):
// their tx is the activity's, whatever the row's own tx column says.
Claims claims_of(const SourceTransaction& txn, const std::map<std::uint32_t, Relation>& relations) {
  Claims applied;
  for (const auto& ch : txn.changes) {
    auto rel = relations.find(ch.relid);
    if (rel == relations.end() || rel->second.relname != kAppliedTable || ch.op != 'I') continue;
    Row row(rel->second, ch.new_tuple);
    auto type = row.text("entity_type"), id = row.text("entity_id");
    if (!type || !id) continue;
    auto changed = row.text("changed_field");
    applied[{*type, *id}] =
        AppliedTx{json::object{{"transactionId", row.text("transaction_id").value_or("")},
                               {"sourceId", row.text("source_id").value_or("")},
                               {"changedField", changed ? json::value(*changed) : nullptr}},
                  row.text("user_id")};
  }
  return applied;
}

// The synced type of a relation (Relation messages name the schema; "" is pg_catalog, never a
// synced table), or null.
const EntityType* synced_type(const Relation& rel) {
  for (const auto& t : entities::entity_types())
    if (t.table_name == rel.relname && t.schema == rel.nspname) return &t;
  return nullptr;
}

// A create: the writable fields it set; an update: the fields whose value changed (bookkeeping
// columns aside; an unchanged TOAST value is the same value).
json::array changed_keys(const EntityType& type, const Relation& rel, const RowChange& ch,
                         const Row& now, const std::optional<Row>& before) {
  json::array keys;
  if (ch.op == 'I') {
    for (const auto& f : type.fields)
      if (f.writable() && now.text(f.column)) keys.emplace_back(f.json);
  } else if (ch.op == 'U') {
    for (const auto& f : type.fields) {
      if (is_bookkeeping(f)) continue;
      const Value* nv = nullptr;
      for (std::size_t i = 0; i < rel.columns.size() && i < ch.new_tuple.size(); ++i)
        if (rel.columns[i].name == f.column) nv = &ch.new_tuple[i];
      if (!before || !same(before->get(f.column), nv)) keys.emplace_back(f.json);
    }
  }
  return keys;
}

// Its tx and author: the API's claim, else the row's tx when this change set a new one (an
// app's own write leaves it null) and its modified_by.
void attribute(PendingActivity& a, const EntityType& type, const Claims& applied, const Row& now,
               const std::optional<Row>& before, bool is_delete) {
  if (auto hit = applied.find({a.entity_type, a.entity_id}); hit != applied.end()) {
    a.tx = hit->second.tx;
    a.user_id = hit->second.user_id;
    return;
  }
  auto new_tx = is_delete ? std::nullopt : now.text("tx");
  auto old_tx = before ? before->text("tx") : std::nullopt;
  a.tx = new_tx && new_tx != old_tx ? json_or_null(new_tx) : json::value(nullptr);
  const auto* by = type.audit(entities::Audit::kModifiedBy);
  a.user_id = by ? now.text(by->column) : std::nullopt;
}

// DESIGN §16 `before`: the old values of the filterable fields the change touched (all of them
// for a delete), for routing shapes' leaves. A long text is left out (unknown: every shape on
// the field is a candidate), so the old values never crowd the entity out of a NOTIFY.
std::optional<json::object> before_values(const EntityType& type, const PendingActivity& a,
                                          const Row& before, bool is_delete) {
  json::object old;
  for (const auto& f : type.fields) {
    if (!entities::is_filterable(f.kind)) continue;
    bool touched = is_delete;
    for (const auto& k : a.changed_keys)
      touched = touched || (k.is_string() && k.as_string() == f.json);
    if (!touched) continue;
    auto v = field_value(f, before);
    if (!v.is_string() || v.as_string().size() <= kMaxBeforeValueBytes) old[f.json] = std::move(v);
  }
  if (old.empty()) return std::nullopt;
  return old;
}

json::object entity_of(const EntityType& type, const Row& now, bool is_delete) {
  if (is_delete) return json::object{{"data", nullptr}, {"fieldTx", json::object{}}};
  json::value ftx = json_or_null(now.text("field_tx"));
  return json::object{{"data", entity_data(type, now)},
                      {"fieldTx", ftx.is_object() ? ftx : json::object{}}};
}

// One synced row change's activity; nullopt with a warning for a row without its key or org.
std::optional<PendingActivity> activity_of(const EntityType& type, const Relation& rel,
                                           const RowChange& ch, const Claims& applied,
                                           std::vector<std::string>& warnings) {
  const bool is_delete = ch.op == 'D';
  Row now(rel, is_delete ? ch.old_tuple : ch.new_tuple, ch.op == 'U' ? &ch.old_tuple : nullptr);
  std::optional<Row> before;
  if (ch.op != 'I' && !ch.old_tuple.empty()) before.emplace(rel, ch.old_tuple);
  PendingActivity a;
  a.entity_type = type.name;
  a.entity_id = now.text(type.key_column).value_or("");
  a.org_id = now.text(type.org_column).value_or("");
  if (a.entity_id.empty() || a.org_id.empty()) {
    warnings.push_back(rel.relname + ": row without " + type.key_column + " or " + type.org_column +
                       " (replica identity?)");
    return std::nullopt;
  }
  a.action = ch.op == 'I'   ? wire::Action::kCreate
             : ch.op == 'U' ? wire::Action::kUpdate
                            : wire::Action::kDelete;
  a.changed_keys = changed_keys(type, rel, ch, now, before);
  attribute(a, type, applied, now, before, is_delete);
  if (before && (is_delete || !a.changed_keys.empty()))
    if (auto old = before_values(type, a, *before, is_delete)) a.before = std::move(*old);
  a.entity = entity_of(type, now, is_delete);
  return a;
}

}  // namespace

BuildResult build_activities(const SourceTransaction& txn,
                             const std::map<std::uint32_t, Relation>& relations) {
  BuildResult out;
  const auto applied = claims_of(txn, relations);
  // One activity per synced row change, in source order; seq counts only those.
  int seq = 0;
  for (const auto& ch : txn.changes) {
    auto rel = relations.find(ch.relid);
    if (rel == relations.end()) {
      out.warnings.push_back("change for unknown relation id " + std::to_string(ch.relid));
      continue;
    }
    const EntityType* type = synced_type(rel->second);
    if (!type) continue;
    auto a = activity_of(*type, rel->second, ch, applied, out.warnings);
    if (!a) {
      ++seq;  // numbered as before: a replay of this transaction numbers its activities alike
      continue;
    }
    a->lsn = txn.final_lsn;
    a->seq = seq++;
    out.activities.push_back(std::move(*a));
  }
  return out;
}

}  // namespace syncline::cdc
