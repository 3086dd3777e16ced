#pragma once
// serve_protocol: the wire format of `evsnn serve` (docs/protocol.md), without any networking — frames encoded
// into bytes and a parser that cuts a byte stream into frames, so both sides and the fuzzer share one
// definition. A frame is a little-endian u32 length L (the bytes that follow, 1 <= L <= max_frame_bytes), a u8
// type and L - 1 payload bytes. Every multi-byte field is little-endian, floats are IEEE-754.
// Invariants: the parser holds at most one frame's bytes (max_frame_bytes + 4), whatever it is fed; a
// malformed frame (length 0 or above the limit, a payload that does not match its type) is reported once,
// with what is wrong, and the parser then refuses everything (the connection is to be closed).
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/input_event.hpp"

namespace evsnn::cli::wire {

inline constexpr std::uint16_t protocol_version = 1;
inline constexpr std::uint32_t max_frame_bytes = 1u << 20;  // 1 MiB, type byte included
inline constexpr std::size_t event_bytes = 16;             // f64 time_ms, u32 channel, f32 grade
inline constexpr std::size_t now_event_bytes = 8;          // u32 channel, f32 grade
inline constexpr std::size_t spike_bytes = 16;             // f64 time_ms, u32 population, u32 neuron

enum class frame_type : std::uint8_t {
  // client -> server
  hello = 0x01,          // u16 version, u8 time mode (0 client timestamps, 1 paced), f64 real-time factor
  events = 0x02,         // u32 n, n x (f64 time_ms, u32 channel, f32 grade)
  events_now = 0x03,     // u32 n, n x (u32 channel, f32 grade): at the current time
  advance = 0x04,        // f64 t_ms: every input up to t_ms was sent; simulate to t_ms
  reset = 0x05,          // back to rest at time 0, pending input dropped
  plasticity = 0x06,     // u8 on (1) / off (0)
  read_counters = 0x07,  //
  read_weights = 0x08,   // u16 length, projection name (UTF-8)
  bye = 0x09,            // simulate to the stream's latest time, send the rest, close
  // server -> client
  hello_ok = 0x81,       // u16 version, JSON text (network, input population, time mode)
  spikes = 0x82,         // u32 n, n x (f64 time_ms, u32 population, u32 neuron)
  dropped = 0x83,        // u64 spikes dropped so far (paced mode, a client too slow to read)
  advanced = 0x84,       // f64 t_ms: every spike up to t_ms has been sent
  reset_ok = 0x85,       //
  plasticity_ok = 0x86,  // u8 state
  counters = 0x87,       // JSON text
  weights = 0x88,        // u16 length, name, u32 n_pre, u32 n_post, u64 total, u64 offset, u32 n,
                         // n x (u32 pre, u32 post, f64 w): one chunk of a projection's synapses
  bye_ok = 0x89,         // JSON text (the session's summary); the server closes after it
  error = 0xFF,          // u16 code, UTF-8 text; the server closes after it
};

enum class error_code : std::uint16_t {
  malformed = 1,        // a frame that does not parse
  too_large = 2,        // length above max_frame_bytes
  unknown_type = 3,
  bad_hello = 4,        // no hello first, a second hello, or an unsupported version or mode
  bad_event = 5,        // time before the stream's, channel out of range, non-finite values
  idle_timeout = 6,
  shutting_down = 7,
  unknown_projection = 8,
  bad_state = 9,        // a request the time mode does not allow (advance when paced)
  simulation = 10,      // the simulation failed (e.g. an event limit)
  server_full = 11,
};

// A decoded frame: the type and its payload bytes (valid until the parser is fed again).
struct frame {
  frame_type type;
  std::span<const std::uint8_t> payload;
};

// Cuts a byte stream into frames. feed() appends bytes; next() returns complete frames one by one.
class frame_parser {
 public:
  explicit frame_parser(std::uint32_t max_frame = max_frame_bytes) : max_frame_(max_frame) {}
  void feed(std::span<const std::uint8_t> bytes);
  // The next complete frame, or nothing (more bytes needed, or failed()).
  std::optional<frame> next();
  bool failed() const { return failed_; }
  error_code failure() const { return failure_; }
  const std::string& failure_text() const { return failure_text_; }
  // Bytes held (an incomplete frame).
  std::size_t buffered() const { return buffer_.size() - start_; }

 private:
  void fail(error_code c, std::string text);
  std::uint32_t max_frame_;
  std::vector<std::uint8_t> buffer_;
  std::size_t start_ = 0;
  bool failed_ = false;
  error_code failure_ = error_code::malformed;
  std::string failure_text_;
};

// Little-endian reads of a payload; out-of-range reads throw wire::malformed_frame.
struct malformed_frame : std::runtime_error {
  using std::runtime_error::runtime_error;
};
class payload_reader {
 public:
  explicit payload_reader(std::span<const std::uint8_t> p) : p_(p) {}
  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  float f32();
  double f64();
  std::string text(std::size_t n);
  std::size_t left() const { return p_.size() - at_; }
  // Throws unless every byte was read.
  void end() const;

 private:
  std::span<const std::uint8_t> p_;
  std::size_t at_ = 0;
};

// Frame builders: each appends one complete frame (length, type, payload) to out.
class frame_writer {
 public:
  explicit frame_writer(std::vector<std::uint8_t>& out, frame_type type);
  frame_writer& u8(std::uint8_t v);
  frame_writer& u16(std::uint16_t v);
  frame_writer& u32(std::uint32_t v);
  frame_writer& u64(std::uint64_t v);
  frame_writer& f32(float v);
  frame_writer& f64(double v);
  frame_writer& bytes(std::string_view s);
  // Writes the length; the frame is complete.
  void finish();

 private:
  std::vector<std::uint8_t>& out_;
  std::size_t start_;
};

void append_hello(std::vector<std::uint8_t>& out, std::uint8_t time_mode, double real_time_factor);
void append_events(std::vector<std::uint8_t>& out, std::span<const input_event> events);
void append_events_now(std::vector<std::uint8_t>& out, std::span<const input_event> events);
void append_text_frame(std::vector<std::uint8_t>& out, frame_type type, std::string_view text);
void append_error(std::vector<std::uint8_t>& out, error_code code, std::string_view text);
// Events that fit one frame.
inline constexpr std::size_t max_events_per_frame = (max_frame_bytes - 5) / event_bytes;
inline constexpr std::size_t max_spikes_per_frame = (max_frame_bytes - 5) / spike_bytes;

std::string_view type_name(frame_type t);

}  // namespace evsnn::cli::wire
