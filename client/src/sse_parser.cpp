#include "syncline/sse_parser.h"

namespace syncline::client {

void SseParser::reset_connection() {
  oversized_ = false;
  line_.clear();
  event_.clear();
  data_.clear();
  started_ = false;
  after_cr_ = false;
}

void SseParser::feed(std::string_view bytes) {
  std::size_t i = 0;
  if (!started_) {
    // The BOM may itself arrive split: wait until 3 bytes (or a non-BOM prefix) are here.
    line_.append(bytes);
    bytes = {};
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (line_.size() < kBom.size() && kBom.starts_with(line_)) return;
    started_ = true;
    std::string pending = std::move(line_);
    line_.clear();
    if (pending.starts_with(kBom)) pending.erase(0, kBom.size());
    feed(pending);
    return;
  }
  if (after_cr_ && !bytes.empty() && bytes[0] == '\n') i = 1;
  after_cr_ = false;
  for (; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c == '\r' || c == '\n') {
      line(line_);
      line_.clear();
      if (c == '\r') {
        if (i + 1 < bytes.size()) {
          if (bytes[i + 1] == '\n') ++i;
        } else {
          after_cr_ = true;
        }
      }
    } else {
      line_.push_back(c);
      if (line_.size() + data_.size() > kMaxEventBytes) {
        // A hostile or broken server cannot make us hold more: this event is dropped whole.
        oversized_ = true;
        line_.clear();
        data_.clear();
      }
    }
  }
}

void SseParser::line(std::string_view l) {
  if (oversized_) {  // skip to the end of the oversized event
    if (l.empty()) {
      oversized_ = false;
      event_.clear();
      data_.clear();
      ++dropped_;
    }
    return;
  }
  if (l.empty()) {
    dispatch();
    return;
  }
  if (l[0] == ':') return;  // comment
  auto colon = l.find(':');
  std::string_view field = l.substr(0, colon), value;
  if (colon != std::string_view::npos) {
    value = l.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    event_ = value;
  } else if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_ = value;
  } else if (field == "retry") {
    if (value.empty()) return;
    if (value.size() > 12) return;  // beyond 30 years: not a reconnection delay
    std::int64_t ms = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return;
      ms = ms * 10 + (c - '0');
    }
    retry_ms_ = ms;
  }
  // Any other field is ignored.
}

void SseParser::dispatch() {
  if (data_.empty()) {
    event_.clear();
    return;
  }
  data_.pop_back();  // the trailing LF
  SseMessage m{event_.empty() ? "message" : event_, std::move(data_), last_event_id_};
  event_.clear();
  data_.clear();
  on_message_(m);
}

}  // namespace syncline::client
