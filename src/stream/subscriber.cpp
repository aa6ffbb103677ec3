#include "stream/subscriber.h"

#include "common/metrics.h"
#include "entities/registry.h"

namespace syncline::stream {

bool Subscriber::wants(const StreamEvent& e) const {
  MutexLock lock(mu_);
  if (!info_.types.empty() && !info_.types.count(e.entity_type)) return false;
  const auto* type = entities::find_by_name(e.entity_type);
  if (!type) return false;
  // A refetch concerns every row of the type the reader may see (its own ones too).
  if (e.refetch())
    return entities::grant_for(info_.actor, entities::Op::kRead, *type) != entities::Grant::kNone;
  return entities::is_permission_allowed(info_.actor, entities::Op::kRead, *type, e.created_by);
}

EventPtr Subscriber::view(const EventPtr& e) const {
  if (!wants(*e)) return nullptr;
  if (!info_.shape) return e;  // set at construction, never changed: read without the lock
  const auto* in = info_.shape->of(e->entity_type);
  if (!in) return nullptr;
  if (e->refetch()) return e;  // the client loads its shape of the type again
  // A delete comes as today (whether or not the client had the entity: harmless).
  if (e->action == "delete" || (e->data && in->matches(*e->data))) return e;
  // A create outside the shape: the entity did not exist before, so no cache has it (one
  // that learned of it later learns of its leaving from a later activity).
  if (e->action == "create") return nullptr;
  bool maybe_before = !e->data;  // gone by now (catch-up reads the current row)
  for (const auto& k : e->changed_keys) maybe_before = maybe_before || in->filters_on(k);
  return maybe_before ? e->leave : nullptr;
}

void Subscriber::offer(const EventPtr& offered) {
  const EventPtr e = view(offered);           // nothing, the change or its leave
  if (e && e->refetch() && !info_.refetch) {  // it would miss the bulk change: reload
    close_with(reset_frame());
    return;
  }
  {
    MutexLock lock(mu_);
    if (final_frame_) return;
    scanned_ = std::max(scanned_, offered->id);
    // Nothing for this stream: its position moved, which the next offset frame reports; no
    // need to wake its sink for that.
    if (!e) return;
    if (overflowed_) {
      // Already behind: the catch-up will read it from the database.
    } else if (!queue_.empty() && (queue_.size() >= kMaxQueuedEvents ||
                                   queued_bytes_ + e->frame->size() > kMaxQueuedBytes)) {
      std::vector<EventPtr>().swap(queue_);  // its frames and its capacity go
      queued_bytes_ = 0;
      overflowed_ = true;
      count(metrics().stream_queue_overflows);
    } else {
      queue_.push_back(e);
      queued_bytes_ += e->frame->size();
    }
  }
  wake_();
}

// Org-level presence: every member; on an entity: whoever may read it (the `own` grant by its
// owner), within the stream's type filter and shape (on the entity's fields the PUT read).
bool Subscriber::sees(const wire::PresenceChange& c) const {
  if (!c.entity_type) return true;
  if (!info_.types.empty() && !info_.types.count(*c.entity_type)) return false;
  const auto* type = entities::find_by_name(*c.entity_type);
  if (!type || !entities::is_permission_allowed(info_.actor, entities::Op::kRead, *type, c.owner))
    return false;
  if (!info_.shape) return true;
  const auto* in = info_.shape->of(*c.entity_type);
  return in && in->matches(c.scope);
}

void Subscriber::offer_presence(const PresencePtr& p) {
  {
    MutexLock lock(mu_);
    if (final_frame_) return;
    if (p->change.action != wire::PresenceAction::kLeave && sees(p->change)) {
      presence_shown_[p->key] = p->leave;
      queue_presence(p->key, p->frame);
    } else if (presence_shown_.erase(p->key)) {
      queue_presence(p->key, p->leave);
    } else {
      return;  // never shown to this reader: nothing to take back
    }
  }
  wake_();
}

void Subscriber::keep_presences(const std::set<std::string>& live) {
  bool queued = false;
  {
    MutexLock lock(mu_);
    for (auto it = presence_shown_.begin(); it != presence_shown_.end() && !final_frame_;) {
      if (live.contains(it->first)) {
        ++it;
        continue;
      }
      queue_presence(it->first, it->second);
      it = presence_shown_.erase(it);
      queued = true;
    }
  }
  if (queued) wake_();
}

// The newest frame of a presence replaces the one not yet sent; past the slot's bound the
// stream ends `too_slow` (its client reconnects and starts from the current presences).
void Subscriber::queue_presence(const std::string& key, std::shared_ptr<const std::string> frame) {
  auto& slot = presence_slot_[key];
  if (slot) presence_bytes_ -= slot->size();
  slot = std::move(frame);
  presence_bytes_ += slot->size();
  if (presence_bytes_ > kMaxPresenceBytes) {
    decltype(presence_slot_)().swap(presence_slot_);
    presence_bytes_ = 0;
    final_frame_ = error_frame("too_slow");
  }
}

void Subscriber::set_role(std::optional<std::string> role) {
  MutexLock lock(mu_);
  info_.actor.role = std::move(role);
}

void Subscriber::close_with(std::string final_frame) {
  {
    MutexLock lock(mu_);
    if (!final_frame_) final_frame_ = std::move(final_frame);
  }
  wake_();
}

bool Subscriber::closing() const {
  MutexLock lock(mu_);
  return final_frame_.has_value();
}

Subscriber::Taken Subscriber::take() {
  // Read before the queue: the manager stores the head after offering the event, so every
  // event at or below it that is for this stream is already queued (or dropped: overflowed).
  const std::int64_t head = org_head_ ? org_head_->load(std::memory_order_acquire) : 0;
  MutexLock lock(mu_);
  Taken t;
  t.events.swap(queue_);  // no per-event copy (and reference count) on the way out
  queued_bytes_ = 0;
  t.overflowed = overflowed_;
  overflowed_ = false;
  t.final_frame = final_frame_;
  t.scanned = std::max(scanned_, head);
  for (auto& [key, frame] : presence_slot_) t.presence.push_back(std::move(frame));
  presence_slot_.clear();
  presence_bytes_ = 0;
  return t;
}

std::string Subscriber::token_hash() const {
  MutexLock lock(mu_);
  return info_.token_hash;
}

}  // namespace syncline::stream
