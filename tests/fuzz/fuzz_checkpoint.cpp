// libFuzzer target: checkpoints ("EVSNN-CHECKPOINT/2") as evsnn train --resume and evsnn eval read them.
// The input is a checkpoint without its trailing checksum: the harness appends the right FNV-1a-64 so
// that mutations reach the header and blocks (the raw bytes are decoded too, which covers the magic,
// length and checksum checks). Any input must decode or give evsnn::input_error. On what decodes:
// every weight is finite, encode() of the result decodes to the same bytes again (a stable round
// trip), and its optimizer state loads into an optimizer bound to the decoded weight blocks (as a
// resume does) or gives input_error.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/error.hpp"
#include "rules/checkpoint.hpp"
#include "rules/optimizer.hpp"
#include "tests/fuzz/fuzz_budget.hpp"

namespace {

void check_decoded(const evsnn::rules::checkpoint& c) {
  using namespace evsnn::rules;
  for (const auto& w : c.weights)
    for (double x : w)
      if (!std::isfinite(x)) __builtin_trap();
  const std::string again = c.encode();
  if (checkpoint::decode(again, "again.ckpt").encode() != again) __builtin_trap();
  try {
    if (!c.optimizer.is_object() || !c.optimizer.contains("optimizer")) return;
    const auto opt = make_optimizer(c.optimizer["optimizer"], "fuzz.ckpt: header /optimizer/optimizer");
    std::vector<std::size_t> sizes;
    for (const auto& w : c.weights) sizes.push_back(w.size());
    opt->bind(sizes);
    opt->load_state(c.optimizer, c.optimizer_state, "fuzz.ckpt: header /optimizer");
  } catch (const evsnn::input_error& e) {
    evsnn::fuzz::refused(e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace evsnn::rules;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  try {
    check_decoded(checkpoint::decode(raw, "raw.ckpt"));
  } catch (const evsnn::input_error& e) {
    evsnn::fuzz::refused(e);
  }
  try {
    std::string bytes(raw);
    const std::uint64_t sum = fnv1a_64(bytes);
    for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((sum >> (8 * b)) & 0xff));
    check_decoded(checkpoint::decode(bytes, "fuzz.ckpt"));
  } catch (const evsnn::input_error& e) {
    evsnn::fuzz::refused(e);
  }
  return 0;
}
