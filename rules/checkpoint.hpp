#pragma once
// checkpoint: everything a training run needs to resume or be evaluated, as a plain value, and its
// file format "EVSNN-CHECKPOINT/3". Layout (every integer and float little-endian, written byte by
// byte whatever the host's order):
//   magic "EVSNN-CHECKPOINT/3\n" | u64 header length | header JSON | blocks | u64 FNV-1a-64 checksum
// The header is {"format": "evsnn-checkpoint/3", "epoch", "config", "rule", "optimizer", "log",
// "blocks": [{"name", "type", "size"}, ...]}; the blocks follow in that order: "weights/<l>" (f64, one
// per layer), "optimizer/<k>" (f64), "rule/<k>" (f32). The checksum covers every byte before it, so a
// damaged or truncated file is refused. Files are written atomically. Version 2 files (the same with
// f32 weights) are still read; version 1 files are refused.
// Errors are one-line input_errors naming the file (and the byte offset where there is one).
// Invariants of a loaded checkpoint: every weight is finite; the blocks are exactly those listed.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/train_log.hpp"

namespace evsnn::rules {

struct checkpoint {
  std::uint64_t epochs_done = 0;
  nlohmann::json config;             // the training config document that wrote it
  nlohmann::json rule;               // the rule's hyper-parameters (learning_rule::describe)
  nlohmann::json optimizer;          // the optimizer's scalar state (optimizer::state_header)
  train_log log;
  std::vector<std::vector<double>> weights;          // per layer, in synapse order
  std::vector<std::vector<double>> optimizer_state;  // optimizer::state_arrays
  std::vector<std::vector<float>> rule_state;        // learning_rule::state

  // The file's bytes, and back; file names the source in errors.
  std::string encode() const;
  static checkpoint decode(std::string_view bytes, const std::string& file);
  // encode() written atomically; decode() of a file.
  void save(const std::filesystem::path& path) const;
  static checkpoint load(const std::filesystem::path& path);
};

inline constexpr std::string_view checkpoint_magic = "EVSNN-CHECKPOINT/3\n";
inline constexpr std::string_view checkpoint_magic_v2 = "EVSNN-CHECKPOINT/2\n";

// FNV-1a, 64 bits, of bytes (the checksum of the format).
std::uint64_t fnv1a_64(std::string_view bytes);

}  // namespace evsnn::rules
