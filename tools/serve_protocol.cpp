#include "tools/serve_protocol.hpp"

#include <bit>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace evsnn::cli::wire {

static_assert(std::endian::native == std::endian::little, "the wire format is little-endian; so is every target");

void frame_parser::fail(error_code c, std::string text) {
  failed_ = true;
  failure_ = c;
  failure_text_ = std::move(text);
  buffer_.clear();
  start_ = 0;
}

void frame_parser::feed(std::span<const std::uint8_t> bytes) {
  if (failed_) return;
  if (start_ > 0 && start_ * 2 >= buffer_.size()) {  // drop consumed frames, amortised
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<frame> frame_parser::next() {
  if (failed_) return std::nullopt;
  const std::size_t have = buffer_.size() - start_;
  if (have < 4) return std::nullopt;
  std::uint32_t length = 0;
  std::memcpy(&length, buffer_.data() + start_, 4);
  if (length == 0) {
    fail(error_code::malformed, "a frame of length 0 (it needs at least its type byte)");
    return std::nullopt;
  }
  if (length > max_frame_) {
    fail(error_code::too_large, fmt::format("a frame of {} bytes, more than the limit of {}", length, max_frame_));
    return std::nullopt;
  }
  if (have < 4 + std::size_t{length}) return std::nullopt;
  const std::uint8_t* p = buffer_.data() + start_ + 4;
  start_ += 4 + std::size_t{length};
  return frame{static_cast<frame_type>(p[0]), std::span<const std::uint8_t>(p + 1, length - 1)};
}

namespace {
template <class T>
T read_le(std::span<const std::uint8_t> p, std::size_t& at) {
  if (p.size() - at < sizeof(T)) throw malformed_frame(fmt::format("payload ends at byte {} inside a field", p.size()));
  T v;
  std::memcpy(&v, p.data() + at, sizeof(T));
  at += sizeof(T);
  return v;
}
}  // namespace

std::uint8_t payload_reader::u8() { return read_le<std::uint8_t>(p_, at_); }
std::uint16_t payload_reader::u16() { return read_le<std::uint16_t>(p_, at_); }
std::uint32_t payload_reader::u32() { return read_le<std::uint32_t>(p_, at_); }
std::uint64_t payload_reader::u64() { return read_le<std::uint64_t>(p_, at_); }
float payload_reader::f32() { return read_le<float>(p_, at_); }
double payload_reader::f64() { return read_le<double>(p_, at_); }
std::string payload_reader::text(std::size_t n) {
  if (left() < n) throw malformed_frame(fmt::format("a text of {} bytes where {} are left", n, left()));
  std::string s(reinterpret_cast<const char*>(p_.data() + at_), n);
  at_ += n;
  return s;
}
void payload_reader::end() const {
  if (at_ != p_.size()) throw malformed_frame(fmt::format("{} bytes after the last field", p_.size() - at_));
}

frame_writer::frame_writer(std::vector<std::uint8_t>& out, frame_type type) : out_(out), start_(out.size()) {
  out_.resize(out_.size() + 4);
  out_.push_back(static_cast<std::uint8_t>(type));
}
namespace {
template <class T>
void write_le(std::vector<std::uint8_t>& out, T v) {
  const auto at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &v, sizeof(T));
}
}  // namespace
frame_writer& frame_writer::u8(std::uint8_t v) { return write_le(out_, v), *this; }
frame_writer& frame_writer::u16(std::uint16_t v) { return write_le(out_, v), *this; }
frame_writer& frame_writer::u32(std::uint32_t v) { return write_le(out_, v), *this; }
frame_writer& frame_writer::u64(std::uint64_t v) { return write_le(out_, v), *this; }
frame_writer& frame_writer::f32(float v) { return write_le(out_, v), *this; }
frame_writer& frame_writer::f64(double v) { return write_le(out_, v), *this; }
frame_writer& frame_writer::bytes(std::string_view s) {
  out_.insert(out_.end(), s.begin(), s.end());
  return *this;
}
void frame_writer::finish() {
  const auto length = static_cast<std::uint32_t>(out_.size() - start_ - 4);
  std::memcpy(out_.data() + start_, &length, 4);
}

void append_hello(std::vector<std::uint8_t>& out, std::uint8_t time_mode, double real_time_factor) {
  frame_writer(out, frame_type::hello).u16(protocol_version).u8(time_mode).f64(real_time_factor).finish();
}

void append_events(std::vector<std::uint8_t>& out, std::span<const input_event> events) {
  frame_writer w(out, frame_type::events);
  w.u32(static_cast<std::uint32_t>(events.size()));
  for (const input_event& e : events) w.f64(e.time_ms).u32(e.channel).f32(e.grade);
  w.finish();
}

void append_events_now(std::vector<std::uint8_t>& out, std::span<const input_event> events) {
  frame_writer w(out, frame_type::events_now);
  w.u32(static_cast<std::uint32_t>(events.size()));
  for (const input_event& e : events) w.u32(e.channel).f32(e.grade);
  w.finish();
}

void append_text_frame(std::vector<std::uint8_t>& out, frame_type type, std::string_view text) {
  frame_writer(out, type).bytes(text.substr(0, max_frame_bytes - 16)).finish();
}

void append_error(std::vector<std::uint8_t>& out, error_code code, std::string_view text) {
  frame_writer(out, frame_type::error).u16(static_cast<std::uint16_t>(code)).bytes(text.substr(0, 4096)).finish();
}

std::string_view type_name(frame_type t) {
  switch (t) {
    case frame_type::hello: return "hello";
    case frame_type::events: return "events";
    case frame_type::events_now: return "events_now";
    case frame_type::advance: return "advance";
    case frame_type::reset: return "reset";
    case frame_type::plasticity: return "plasticity";
    case frame_type::read_counters: return "read_counters";
    case frame_type::read_weights: return "read_weights";
    case frame_type::bye: return "bye";
    case frame_type::hello_ok: return "hello_ok";
    case frame_type::spikes: return "spikes";
    case frame_type::dropped: return "dropped";
    case frame_type::advanced: return "advanced";
    case frame_type::reset_ok: return "reset_ok";
    case frame_type::plasticity_ok: return "plasticity_ok";
    case frame_type::counters: return "counters";
    case frame_type::weights: return "weights";
    case frame_type::bye_ok: return "bye_ok";
    case frame_type::error: return "error";
  }
  return "unknown";
}

}  // namespace evsnn::cli::wire
