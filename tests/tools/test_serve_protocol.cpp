// serve_protocol: frames cut from a byte stream however it is split, every field read back as written,
// malformed streams (length 0, above the limit, payloads that do not match) reported once, and the
// parser's memory bounded by one frame.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "tools/serve_protocol.hpp"

using namespace evsnn;
using namespace evsnn::cli::wire;

TEST_CASE("serve_protocol: frames survive any split of the stream, fields read back exactly") {
  std::vector<std::uint8_t> bytes;
  append_hello(bytes, 1, 2.5);
  const std::vector<input_event> ev{{0.1, 3, 1.0f}, {2.0 / 3.0, 0, -0.5f}, {1e12, 7, 3e38f}};
  append_events(bytes, ev);
  append_events_now(bytes, ev);
  frame_writer(bytes, frame_type::read_weights).u16(5).bytes("a->b").u8(0).u64(~0ull).f32(1.5f).finish();
  append_error(bytes, error_code::bad_event, "bad: naïve");
  for (std::size_t cut = 1; cut <= bytes.size(); cut += (cut < 40 ? 1 : 7)) {
    CAPTURE(cut);
    frame_parser p;
    std::vector<frame_type> types;
    std::vector<std::vector<std::uint8_t>> payloads;
    for (std::size_t at = 0; at < bytes.size(); at += cut) {
      p.feed({bytes.data() + at, std::min(cut, bytes.size() - at)});
      while (auto f = p.next()) {
        types.push_back(f->type);
        payloads.emplace_back(f->payload.begin(), f->payload.end());
      }
    }
    CHECK(!p.failed());
    CHECK(p.buffered() == 0);
    REQUIRE(types == std::vector<frame_type>{frame_type::hello, frame_type::events, frame_type::events_now,
                                             frame_type::read_weights, frame_type::error});
    payload_reader h(payloads[0]);
    CHECK(h.u16() == protocol_version);
    CHECK(h.u8() == 1);
    CHECK(h.f64() == 2.5);
    CHECK_NOTHROW(h.end());
    payload_reader e(payloads[1]);
    REQUIRE(e.u32() == 3);
    for (const input_event& x : ev) {
      CHECK(e.f64() == x.time_ms);
      CHECK(e.u32() == x.channel);
      CHECK(e.f32() == x.grade);
    }
    CHECK(e.left() == 0);
    payload_reader n(payloads[2]);
    CHECK(n.u32() == 3);
    CHECK(n.left() == 3 * now_event_bytes);
    payload_reader w(payloads[3]);
    CHECK(w.u16() == 5);
    CHECK(w.text(4) == "a->b");
    CHECK(w.u8() == 0);
    CHECK(w.u64() == ~0ull);
    CHECK(w.f32() == 1.5f);
    CHECK_THROWS_AS(w.u8(), malformed_frame);
    payload_reader err(payloads[4]);
    CHECK(err.u16() == static_cast<std::uint16_t>(error_code::bad_event));
    CHECK(err.text(err.left()) == "bad: naïve");
  }
}

TEST_CASE("serve_protocol: malformed streams are reported once, and nothing is parsed after") {
  auto length = [](std::uint32_t n) {
    std::vector<std::uint8_t> b(4);
    std::memcpy(b.data(), &n, 4);
    return b;
  };
  frame_parser zero;
  zero.feed(length(0));
  CHECK(!zero.next());
  CHECK(zero.failed());
  CHECK(zero.failure() == error_code::malformed);
  frame_parser big;
  big.feed(length(max_frame_bytes + 1));
  CHECK(!big.next());
  CHECK(big.failure() == error_code::too_large);
  CHECK(big.failure_text().find("more than the limit of 1048576") != std::string::npos);
  std::vector<std::uint8_t> ok;
  append_hello(ok, 0, 1.0);
  big.feed(ok);
  CHECK(!big.next());
  CHECK(big.buffered() == 0);

  // A frame in progress holds at most its own bytes; payload readers refuse to read past the end.
  frame_parser p;
  std::vector<std::uint8_t> frame = length(1000);
  frame.push_back(0x02);
  frame.resize(4 + 500);
  p.feed(frame);
  CHECK(!p.next());
  CHECK(p.buffered() == 504);
  const std::vector<std::uint8_t> three{1, 2, 3};
  payload_reader r(three);
  CHECK_THROWS_AS(r.u32(), malformed_frame);
  payload_reader r2(three);
  r2.u16();
  CHECK_THROWS_AS(r2.end(), malformed_frame);
  CHECK_THROWS_AS(r2.text(2), malformed_frame);
}
