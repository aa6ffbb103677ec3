#include "syncline/hlc.h"

#include <chrono>
#include <random>

#include "sync/hlc.h"

namespace syncline::client {

std::string make_source_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  std::random_device rd;
  std::string id(12, '\0');
  for (auto& c : id) c = kAlphabet[rd() % 64];
  return id;
}

Hlc::Hlc(std::string source_id, Clock clock)
    : source_id_(std::move(source_id)), clock_(std::move(clock)) {
  if (!clock_)
    clock_ = [] {
      using namespace std::chrono;
      return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    };
}

std::string Hlc::create_transaction_id() {
  std::lock_guard lock(mu_);
  auto now = clock_();
  if (now > wall_) {
    wall_ = now;
    counter_ = 0;
  } else if (++counter_ > 9999) {  // same or earlier ms: count on, borrowing the next ms
    ++wall_;
    counter_ = 0;
  }
  return sync::format_transaction_id({wall_, counter_, source_id_});
}

void Hlc::receive(std::string_view transaction_id) {
  auto t = sync::parse_transaction_id(transaction_id);
  if (!t) return;
  std::lock_guard lock(mu_);
  if (t->wall_ms > wall_ || (t->wall_ms == wall_ && t->logical > counter_)) {
    wall_ = t->wall_ms;
    counter_ = t->logical;  // the next id counts on from here
  }
}

int compare_transaction_ids(std::string_view a, std::string_view b) {
  auto pa = sync::parse_transaction_id(a), pb = sync::parse_transaction_id(b);
  if (!pa || !pb) return (pa ? 1 : 0) - (pb ? 1 : 0);
  return sync::compare_transaction_ids(*pa, *pb);
}

}  // namespace syncline::client
