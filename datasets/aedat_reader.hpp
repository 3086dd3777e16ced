#pragma once
// Reader for AEDAT 3.1 files as the DVS Gesture data set (Amir et al. 2017) publishes them
// (DvsGesture/userNN_<lighting>.aedat with userNN_<lighting>_labels.csv):
//   a text header of lines starting with '#', the first "#!AER-DAT3.1", the last "#!END-HEADER";
//   then packets: a 28-byte little-endian header (int16 eventType, int16 eventSource,
//   int32 eventSize, int32 eventTSOffset, int32 eventTSOverflow, int32 eventCapacity,
//   int32 eventNumber, int32 eventValid) followed by eventNumber * eventSize bytes.
//   Polarity events (type 1, 8 bytes): uint32 data (bit 0 valid, bit 1 polarity, bits 2-16 y,
//   bits 17-31 x) and int32 timestamp in microseconds; full time = overflow << 31 | timestamp.
// Other event types are skipped. aedat_index records where the polarity packets lie, so a
// labelled time window is read without scanning the whole (memory-mapped) file.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "datasets/sample.hpp"

namespace evsnn::data {

struct aedat_packet {
  std::size_t offset = 0;  // of the first event
  std::uint32_t events = 0;
  std::int64_t first_us = 0;  // min event time of this and all later packets
  std::int64_t last_us = 0;   // max event time of this and all earlier packets
};

struct aedat_index {
  std::size_t data_offset = 0;  // first byte after the header
  std::vector<aedat_packet> packets;  // polarity packets with at least one event, in file order
};

// Checks the header and every packet header; throws input_error naming the byte offset.
aedat_index index_aedat(std::span<const unsigned char> bytes, const std::string& name);

// Appends the valid polarity events with start_us <= t < end_us to out.events as
// time_ms = (t - start_us) / 1000, channel = (p * height + y) * width + x, then sorts them.
// x >= width or y >= height is an error naming the byte offset.
void read_aedat_window(std::span<const unsigned char> bytes, const aedat_index& index, const std::string& name,
                       std::int64_t start_us, std::int64_t end_us, std::uint32_t width, std::uint32_t height,
                       sample& out);

}  // namespace evsnn::data
