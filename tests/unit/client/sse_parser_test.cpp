// The SSE parser against the WHATWG event-stream rules: line ends, BOM, comments, multi-line
// data, id and retry handling, and events split across reads at every byte.
#include "syncline/sse_parser.h"

#include <gtest/gtest.h>

#include <vector>

using namespace std::string_view_literals;

namespace syncline::client {

namespace {
std::vector<SseMessage> parse(std::string_view stream, std::size_t chunk = 0) {
  std::vector<SseMessage> out;
  SseParser p([&](const SseMessage& m) { out.push_back(m); });
  if (chunk == 0) {
    p.feed(stream);
  } else {
    for (std::size_t i = 0; i < stream.size(); i += chunk) p.feed(stream.substr(i, chunk));
  }
  return out;
}
}  // namespace

TEST(SseParser, ParsesEventsWithIdAndTypeSTREAM020) {
  auto m = parse("event: change\nid: 7\ndata: {\"a\":1}\n\nevent: offset\nid: 9\ndata: {}\n\n");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].event, "change");
  EXPECT_EQ(m[0].data, "{\"a\":1}");
  EXPECT_EQ(m[0].last_event_id, "7");
  EXPECT_EQ(m[1].event, "offset");
  EXPECT_EQ(m[1].last_event_id, "9");
}

TEST(SseParser, AcceptsCrLfAndCrLineEndsSTREAM020) {
  for (std::string_view s : {"data: x\r\n\r\n", "data: x\r\r", "data: x\n\n", "data: x\r\n\n"}) {
    auto m = parse(s);
    ASSERT_EQ(m.size(), 1u) << s;
    EXPECT_EQ(m[0].data, "x");
    EXPECT_EQ(m[0].event, "message");
  }
}

TEST(SseParser, JoinsMultiLineDataAndKeepsSpacesAfterTheFirstSTREAM020) {
  auto m = parse("data: one\ndata:two\ndata:  three\ndata\n\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].data, "one\ntwo\n three\n");
}

TEST(SseParser, IgnoresCommentsUnknownFieldsAndEventsWithoutDataSTREAM020) {
  auto m = parse(": keep-alive\n\nevent: offset\n\nfoo: bar\ndata: y\n\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].event, "message");  // the data-less event's type was reset
  EXPECT_EQ(m[0].data, "y");
}

TEST(SseParser, StripsALeadingBomOnlySTREAM020) {
  auto m = parse(
      "\xEF\xBB\xBF"
      "data: a\n\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].data, "a");
  auto split = parse(
      "\xEF\xBB\xBF"
      "data: a\n\n",
      1);
  ASSERT_EQ(split.size(), 1u);
  EXPECT_EQ(split[0].data, "a");
}

TEST(SseParser, IdPersistsRejectsNulAndRetryTakesDigitsOnlySTREAM020) {
  std::vector<SseMessage> out;
  SseParser p([&](const SseMessage& m) { out.push_back(m); });
  p.feed("id: 5\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nretry: 1500\nretry: 2x\n"sv);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].last_event_id, "5");
  EXPECT_EQ(out[2].last_event_id, "5");
  EXPECT_EQ(p.retry_ms(), 1500);
  p.feed("id\ndata: d\n\n");  // an empty id resets it
  EXPECT_EQ(out.back().last_event_id, "");
}

TEST(SseParser, EveryChunkingGivesTheSameEventsSTREAM020) {
  const std::string stream =
      "\xEF\xBB\xBF: hello\r\nevent: change\r\nid: 1\r\ndata: {\"x\":\"\xC3\xA9\"}\r\n\r\n"
      "event: offset\rid: 2\rdata: {\"cursor\":2}\r\rdata: a\ndata: b\n\n";
  auto whole = parse(stream);
  ASSERT_EQ(whole.size(), 3u);
  for (std::size_t chunk = 1; chunk < stream.size(); ++chunk) {
    auto parts = parse(stream, chunk);
    ASSERT_EQ(parts.size(), whole.size()) << chunk;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(parts[i].event, whole[i].event) << chunk;
      EXPECT_EQ(parts[i].data, whole[i].data) << chunk;
      EXPECT_EQ(parts[i].last_event_id, whole[i].last_event_id) << chunk;
    }
  }
}

TEST(SseParser, AnUnfinishedEventIsNotDispatchedAndReconnectDropsItSTREAM020) {
  std::vector<SseMessage> out;
  SseParser p([&](const SseMessage& m) { out.push_back(m); });
  p.feed("id: 3\ndata: complete\n\ndata: partial");
  ASSERT_EQ(out.size(), 1u);
  p.reset_connection();
  p.feed("data: next\n\n");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].data, "next");
  EXPECT_EQ(out[1].last_event_id, "3");
}

TEST(SseParser, AnOversizedEventIsDroppedWholeAndTheNextOneArrivesSEC037) {
  std::vector<SseMessage> got;
  SseParser p([&](const SseMessage& m) { got.push_back(m); });
  std::string chunk(1 << 20, 'x');
  p.feed("event: change\ndata: ");
  for (std::size_t i = 0; i < (SseParser::kMaxEventBytes >> 20) + 2; ++i) p.feed(chunk);
  p.feed("\ndata: tail\n\nretry: 99999999999999999999\ndata: next\n\n");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "next");
  EXPECT_EQ(got[0].event, "message");
  EXPECT_EQ(p.dropped(), 1u);
  EXPECT_FALSE(p.retry_ms());  // an absurd retry is ignored, not overflowed
}

}  // namespace syncline::client
