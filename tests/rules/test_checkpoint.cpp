// checkpoint: a value written and read back is equal; the encoding is little-endian whatever the host
// (a known value at a known offset); a flipped byte, a truncated file and an old version-1 file are
// refused with one line naming the file; header counts that are not whole numbers >= 0 are refused.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "rules/checkpoint.hpp"

using namespace evsnn::rules;
namespace fs = std::filesystem;

namespace {

checkpoint sample() {
  checkpoint c;
  c.epochs_done = 3;
  c.config = {{"format", "evsnn-train/1"}, {"epochs", 3}};
  c.rule = {{"type", "sfdfa"}};
  c.optimizer = {{"type", "adam"}, {"t", 42}};
  epoch_metrics m;
  m.epoch = 1;
  m.loss = 0.5;
  m.update_cosine = {0.25, not_measured};
  c.log.epochs.push_back(m);
  c.weights = {{1.0, -2.5, 0.1}, {0.125}};  // 0.1 is no float: version 3 keeps it exact
  c.optimizer_state = {{1e-300, -0.0, 7.0}, {}};
  c.rule_state = {{0.5f, 0.75f}};
  return c;
}

std::string error_of(const std::string& bytes, const std::string& file) {
  try {
    checkpoint::decode(bytes, file);
  } catch (const evsnn::input_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("checkpoint: round trip through a file") {
  const fs::path p = fs::temp_directory_path() / "evsnn_test_checkpoint.evsnn";
  const checkpoint c = sample();
  c.save(p);
  const checkpoint d = checkpoint::load(p);
  CHECK(d.epochs_done == 3);
  CHECK(d.config == c.config);
  CHECK(d.rule == c.rule);
  CHECK(d.optimizer == c.optimizer);
  CHECK(d.weights == c.weights);
  REQUIRE(d.optimizer_state.size() == 2);
  CHECK(d.optimizer_state[0][0] == 1e-300);
  CHECK(std::signbit(d.optimizer_state[0][1]));
  CHECK(d.optimizer_state[1].empty());
  CHECK(d.rule_state == c.rule_state);
  CHECK(d.log.json() == c.log.json());
  CHECK(d.encode() == c.encode());
  fs::remove(p);
}

TEST_CASE("checkpoint: little-endian layout, checksum at the end") {
  const std::string bytes = sample().encode();
  REQUIRE(bytes.starts_with("EVSNN-CHECKPOINT/3\n"));
  const std::size_t magic = checkpoint_magic.size();
  std::uint64_t len = 0;
  for (int b = 0; b < 8; ++b) len |= std::uint64_t(static_cast<unsigned char>(bytes[magic + b])) << (8 * b);
  const std::size_t first = magic + 8 + len;  // the first block: weights/0 = {1.0, -2.5, ...} as f64
  // 1.0 = 0x3ff0000000000000, -2.5 = 0xc004000000000000, least significant byte first.
  const unsigned char expected[16] = {0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0x04, 0xc0};
  CHECK(std::memcmp(bytes.data() + first, expected, 16) == 0);
  // The last 8 bytes: FNV-1a-64 of everything before, little-endian.
  const std::uint64_t sum = fnv1a_64(std::string_view(bytes).substr(0, bytes.size() - 8));
  for (int b = 0; b < 8; ++b) CHECK(static_cast<unsigned char>(bytes[bytes.size() - 8 + b]) == ((sum >> (8 * b)) & 0xff));
  CHECK(fnv1a_64("") == 0xcbf29ce484222325ULL);
  CHECK(fnv1a_64("a") == 0xaf63dc4c8601ec8cULL);
}

TEST_CASE("checkpoint: a damaged, truncated, foreign or version-1 file is refused with one line naming it") {
  const std::string bytes = sample().encode();
  for (std::size_t at : {std::size_t(30), bytes.size() / 2, bytes.size() - 20, bytes.size() - 1}) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    const std::string e = error_of(damaged, "run/checkpoint.evsnn");
    INFO("flipped byte " << at << ": " << e);
    CHECK(e.starts_with("run/checkpoint.evsnn: "));
    CHECK(e.find("checksum mismatch") != std::string::npos);
    CHECK(e.find('\n') == std::string::npos);
  }
  for (std::size_t keep : {bytes.size() - 1, bytes.size() - 9, bytes.size() / 2, std::size_t(25), std::size_t(5)}) {
    const std::string e = error_of(bytes.substr(0, keep), "ck.evsnn");
    INFO("truncated to " << keep << ": " << e);
    CHECK(e.starts_with("ck.evsnn: "));
    CHECK(e.find('\n') == std::string::npos);
  }
  CHECK(error_of(bytes.substr(0, bytes.size() / 2), "ck.evsnn").find("damaged or truncated") != std::string::npos);
  CHECK(error_of("EVSNN-CHECKPOINT/1\n\x02\0\0\0\0\0\0\0{}", "old.evsnn").find("EVSNN-CHECKPOINT/1 is no longer read") !=
        std::string::npos);
  CHECK(error_of("PK\x03\x04", "x.zip").find("x.zip: byte 0: not an evsnn checkpoint") == 0);
  CHECK_THROWS_AS(checkpoint::load(fs::temp_directory_path() / "evsnn_no_such_checkpoint"), evsnn::input_error);
}

namespace {

// A version-2 checkpoint (f32 weights, still read) with this header and these block bytes, with the right
// checksum (so decode reaches them).
std::string with_header(const nlohmann::json& header, const std::string& data) {
  const std::string h = header.dump();
  std::string out(checkpoint_magic_v2);
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((h.size() >> (8 * b)) & 0xff));
  out += h;
  out += data;
  const std::uint64_t sum = fnv1a_64(out);
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((sum >> (8 * b)) & 0xff));
  return out;
}

nlohmann::json header_with(const nlohmann::json& epoch, const nlohmann::json& size) {
  return {{"format", "evsnn-checkpoint/2"}, {"epoch", epoch}, {"config", nlohmann::json::object()},
          {"rule", nlohmann::json::object()}, {"optimizer", nlohmann::json::object()},
          {"log", {{"format", "evsnn-train-log/1"}, {"epochs", nlohmann::json::array()}}},
          {"blocks", {{{"name", "weights/0"}, {"type", "f32"}, {"size", size}}}}};
}

}  // namespace

// Found with the fuzz_checkpoint harness (tests/fuzz/, an input written for it; docs/fuzzing.md): "epoch"
// and block "size" were converted with json::get, so -5 became 2^64-5, 2.5 became 2 and 1e30 was an
// undefined float-to-integer conversion (UBSan stopped the harness).
TEST_CASE("checkpoint: header counts must be whole numbers >= 0") {
  const std::string two_floats("\0\0\x80\x3f\0\0\0\x40", 8);  // 1.0f, 2.0f
  const checkpoint ok = checkpoint::decode(with_header(header_with(4, 2), two_floats), "ck.evsnn");
  CHECK(ok.epochs_done == 4);
  CHECK(ok.weights == std::vector<std::vector<double>>{{1.0, 2.0}});
  for (const nlohmann::json& bad : {nlohmann::json(-5), nlohmann::json(2.5), nlohmann::json(1e30), nlohmann::json(4.0),
                                    nlohmann::json("4")}) {
    INFO(bad.dump());
    CHECK(error_of(with_header(header_with(bad, 2), two_floats), "ck.evsnn") ==
          "ck.evsnn: header /epoch: expected a whole number >= 0, got " + bad.dump());
    CHECK(error_of(with_header(header_with(4, bad), two_floats), "ck.evsnn") ==
          "ck.evsnn: header /blocks/0/size: expected a whole number >= 0, got " + bad.dump());
  }
  nlohmann::json h = header_with(4, 2);
  h["blocks"] = {{"weights/0", {{"name", "weights/0"}, {"type", "f32"}, {"size", 2}}}};
  CHECK(error_of(with_header(h, two_floats), "ck.evsnn") == "ck.evsnn: header /blocks: expected an array");
}
