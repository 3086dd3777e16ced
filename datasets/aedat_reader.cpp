#include "datasets/aedat_reader.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn::data {

namespace {
std::int32_t le32(const unsigned char* p) {
  std::uint32_t v = std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
                    (std::uint32_t{p[3]} << 24);
  std::int32_t s;
  std::memcpy(&s, &v, 4);
  return s;
}
std::int16_t le16(const unsigned char* p) {
  const auto v = static_cast<std::uint16_t>(p[0] | (p[1] << 8));
  std::int16_t s;
  std::memcpy(&s, &v, 2);
  return s;
}
}  // namespace

aedat_index index_aedat(std::span<const unsigned char> bytes, const std::string& name) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!text.starts_with("#!AER-DAT3."))
    throw input_error(fmt::format("{}: byte 0: not an AEDAT 3.x file (expected \"#!AER-DAT3.1\")", name));
  // Header lines until "#!END-HEADER\r\n" (or "\n").
  std::size_t pos = 0;
  bool ended = false;
  while (pos < bytes.size()) {
    if (bytes[pos] != '#')
      throw input_error(fmt::format("{}: byte {}: header line does not start with '#' and no #!END-HEADER seen", name,
                                    pos));
    const auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;
    const auto line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.starts_with("#!END-HEADER")) {
      ended = true;
      break;
    }
  }
  if (!ended) throw input_error(fmt::format("{}: byte {}: truncated: the header has no #!END-HEADER line", name, pos));
  aedat_index idx;
  idx.data_offset = pos;
  std::int64_t prev_last = -1;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 28)
      throw input_error(fmt::format("{}: byte {}: truncated packet header ({} of 28 bytes)", name, pos,
                                    bytes.size() - pos));
    const unsigned char* h = bytes.data() + pos;
    const std::int16_t type = le16(h);
    const std::int32_t size = le32(h + 4);
    const std::int32_t ts_offset = le32(h + 8);
    const std::int32_t overflow = le32(h + 12);
    const std::int32_t capacity = le32(h + 16);
    const std::int32_t number = le32(h + 20);
    const std::int32_t valid = le32(h + 24);
    if (size <= 0 || number < 0 || capacity < 0 || valid < 0 || valid > number || overflow < 0 || ts_offset < 0 ||
        ts_offset > size - 4)
      throw input_error(fmt::format("{}: byte {}: corrupt packet header (type {}, eventSize {}, eventTSOffset {}, "
                                    "eventNumber {}, eventValid {})",
                                    name, pos, type, size, ts_offset, number, valid));
    if (type == 1) {
      if (size != 8 || ts_offset != 4)
        throw input_error(fmt::format("{}: byte {}: polarity packet with eventSize {} and eventTSOffset {} (expected 8 "
                                      "and 4)",
                                      name, pos, size, ts_offset));
    }
    const std::uint64_t body = static_cast<std::uint64_t>(size) * static_cast<std::uint64_t>(number);
    if (body > bytes.size() - pos - 28)
      throw input_error(fmt::format("{}: byte {}: truncated: the packet declares {} events of {} bytes, {} bytes left",
                                    name, pos + 28, number, size, bytes.size() - pos - 28));
    if (type == 1) {
      if (number > 0) {
        aedat_packet p;
        p.offset = pos + 28;
        p.events = static_cast<std::uint32_t>(number);
        const std::int64_t hi = static_cast<std::int64_t>(overflow) << 31;
        p.first_us = hi | le32(bytes.data() + p.offset + 4);
        p.last_us = hi | le32(bytes.data() + p.offset + 8 * (p.events - 1) + 4);
        // Keep the window search valid: a packet's time range is its events' min and max.
        for (std::uint32_t k = 0; k < p.events; ++k) {
          const std::int64_t t = hi | le32(bytes.data() + p.offset + 8 * k + 4);
          p.first_us = std::min(p.first_us, t);
          p.last_us = std::max(p.last_us, t);
        }
        // last_us becomes the running maximum so that the window search can bisect on it.
        prev_last = std::max(prev_last, p.last_us);
        p.last_us = prev_last;
        idx.packets.push_back(p);
      }
    }
    pos += 28 + static_cast<std::size_t>(body);
  }
  // first_us becomes the minimum over this and all later packets: the window scan stops at the
  // first packet from which no later event can fall inside the window.
  for (std::size_t k = idx.packets.size(); k-- > 1;)
    idx.packets[k - 1].first_us = std::min(idx.packets[k - 1].first_us, idx.packets[k].first_us);
  return idx;
}

void read_aedat_window(std::span<const unsigned char> bytes, const aedat_index& index, const std::string& name,
                       std::int64_t start_us, std::int64_t end_us, std::uint32_t width, std::uint32_t height,
                       sample& out) {
  // Packets are in time order; skip those that end before the window.
  auto it = std::lower_bound(index.packets.begin(), index.packets.end(), start_us,
                             [](const aedat_packet& p, std::int64_t t) { return p.last_us < t; });
  for (; it != index.packets.end() && it->first_us < end_us; ++it) {
    const unsigned char* base = bytes.data() + it->offset;
    // The overflow word lives in the packet header, 16 bytes before the events.
    const std::int64_t hi = static_cast<std::int64_t>(le32(base - 28 + 12)) << 31;
    for (std::uint32_t k = 0; k < it->events; ++k) {
      const auto data = static_cast<std::uint32_t>(le32(base + 8 * k));
      if ((data & 1u) == 0) continue;  // invalid event
      const std::int64_t t = hi | le32(base + 8 * k + 4);
      if (t < start_us || t >= end_us) continue;
      const std::uint32_t p = (data >> 1) & 1u;
      const std::uint32_t y = (data >> 2) & 0x7fffu;
      const std::uint32_t x = (data >> 17) & 0x7fffu;
      if (x >= width || y >= height)
        throw input_error(fmt::format("{}: byte {}: event at x={}, y={} is outside the {}x{} sensor", name,
                                      it->offset + 8 * k, x, y, width, height));
      out.events.push_back({static_cast<double>(t - start_us) / 1000.0, (p * height + y) * width + x, 1.0f});
    }
  }
  sort_events(out.events);
}

}  // namespace evsnn::data
