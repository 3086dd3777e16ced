#include "rules/checkpoint.hpp"

#include <bit>
#include <cmath>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "engine/json_node.hpp"

namespace evsnn::rules {

namespace {

constexpr const char* header_format = "evsnn-checkpoint/3";
constexpr const char* header_format_v2 = "evsnn-checkpoint/2";

void put_u64(std::string& out, std::uint64_t v) {
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
}
void put_u32(std::string& out, std::uint32_t v) {
  for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
}
std::uint64_t get_le(std::string_view bytes, std::size_t pos, int width) {
  std::uint64_t v = 0;
  for (int b = 0; b < width; ++b) v |= std::uint64_t(static_cast<unsigned char>(bytes[pos + b])) << (8 * b);
  return v;
}

// A count in the header ("epoch", a block's "size"): a JSON integer >= 0, as encode() writes it. Anything
// else (a negative number, a fraction, 1e30: a double whose conversion would be undefined) is refused.
std::uint64_t header_count(const nlohmann::json& v, const std::string& file, const std::string& path) {
  if (!v.is_number_unsigned())
    throw input_error(fmt::format("{}: header {}: expected a whole number >= 0, got {}", file, path, v.dump()));
  return v.get<std::uint64_t>();
}

// Reads the blocks after the header; pos moves past them.
class block_reader {
 public:
  block_reader(std::string_view body, std::size_t pos, const std::string& file) : body_(body), pos_(pos), file_(file) {}
  std::size_t pos() const { return pos_; }
  template <class T>
  std::vector<T> read(const std::string& name, std::size_t n) {
    constexpr std::size_t width = sizeof(T);
    if (n > (body_.size() - pos_) / width)
      throw input_error(fmt::format("{}: byte {}: block {} of {} values runs past the end of the data", file_, pos_,
                                    name, n));
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i, pos_ += width) {
      if constexpr (width == 4)
        v[i] = std::bit_cast<T>(static_cast<std::uint32_t>(get_le(body_, pos_, 4)));
      else
        v[i] = std::bit_cast<T>(get_le(body_, pos_, 8));
    }
    return v;
  }

 private:
  std::string_view body_;
  std::size_t pos_;
  const std::string& file_;
};

}  // namespace

std::uint64_t fnv1a_64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string checkpoint::encode() const {
  nlohmann::json blocks = nlohmann::json::array();
  std::string data;
  for (std::size_t l = 0; l < weights.size(); ++l) {
    blocks.push_back({{"name", fmt::format("weights/{}", l)}, {"type", "f64"}, {"size", weights[l].size()}});
    for (double x : weights[l]) put_u64(data, std::bit_cast<std::uint64_t>(x));
  }
  for (std::size_t k = 0; k < optimizer_state.size(); ++k) {
    blocks.push_back({{"name", fmt::format("optimizer/{}", k)}, {"type", "f64"}, {"size", optimizer_state[k].size()}});
    for (double x : optimizer_state[k]) put_u64(data, std::bit_cast<std::uint64_t>(x));
  }
  for (std::size_t k = 0; k < rule_state.size(); ++k) {
    blocks.push_back({{"name", fmt::format("rule/{}", k)}, {"type", "f32"}, {"size", rule_state[k].size()}});
    for (float x : rule_state[k]) put_u32(data, std::bit_cast<std::uint32_t>(x));
  }
  const nlohmann::json header = {{"format", header_format}, {"epoch", epochs_done}, {"config", config},
                                 {"rule", rule},            {"optimizer", optimizer}, {"log", log.json()},
                                 {"blocks", blocks}};
  const std::string h = header.dump();
  std::string out(checkpoint_magic);
  put_u64(out, h.size());
  out += h;
  out += data;
  put_u64(out, fnv1a_64(out));
  return out;
}

checkpoint checkpoint::decode(std::string_view bytes, const std::string& file) {
  const std::size_t magic_len = checkpoint_magic.size();
  const bool v2 = bytes.starts_with(checkpoint_magic_v2);
  if (!v2 && !bytes.starts_with(checkpoint_magic)) {
    if (bytes.starts_with("EVSNN-CHECKPOINT/1\n"))
      throw input_error(fmt::format("{}: byte 0: checkpoint format EVSNN-CHECKPOINT/1 is no longer read (this evsnn "
                                    "reads EVSNN-CHECKPOINT/2 and /3); train again to write a new checkpoint",
                                    file));
    throw input_error(fmt::format("{}: byte 0: not an evsnn checkpoint (bad magic)", file));
  }
  if (bytes.size() < magic_len + 16)
    throw input_error(fmt::format("{}: byte {}: truncated: {} bytes, too short for a checkpoint", file, bytes.size(),
                                  bytes.size()));
  const std::size_t end = bytes.size() - 8;
  const std::uint64_t stored = get_le(bytes, end, 8), computed = fnv1a_64(bytes.substr(0, end));
  if (stored != computed)
    throw input_error(fmt::format("{}: byte {}: checksum mismatch (stored {:016x}, computed {:016x}): the file is "
                                  "damaged or truncated",
                                  file, end, stored, computed));
  const std::string_view body = bytes.substr(0, end);
  const std::uint64_t len = get_le(body, magic_len, 8);
  std::size_t pos = magic_len + 8;
  if (len > body.size() - pos)
    throw input_error(fmt::format("{}: byte {}: header of {} bytes runs past the end of the data", file, pos, len));
  const nlohmann::json header = parse_json_text(body.substr(pos, len), fmt::format("{} (header at byte {})", file, pos));
  block_reader blocks(body, pos + len, file);
  checkpoint c;
  try {
    const char* format = v2 ? header_format_v2 : header_format;
    if (header.at("format") != format) throw input_error(fmt::format("{}: header /format: expected \"{}\"", file, format));
    c.epochs_done = header_count(header.at("epoch"), file, "/epoch");
    c.config = header.at("config");
    c.rule = header.at("rule");
    c.optimizer = header.at("optimizer");
    c.log = train_log::from_json(header.at("log"), file + ": header /log");
    const nlohmann::json& listed = header.at("blocks");
    if (!listed.is_array()) throw input_error(fmt::format("{}: header /blocks: expected an array", file));
    for (std::size_t b = 0; b < listed.size(); ++b) {
      const nlohmann::json& blk = listed[b];
      const std::string name = blk.at("name"), type = blk.at("type");
      const std::uint64_t n = header_count(blk.at("size"), file, fmt::format("/blocks/{}/size", b));
      const std::string kind = name.substr(0, name.find('/'));
      const std::string expected = kind == "optimizer" || (kind == "weights" && !v2) ? "f64" : "f32";
      if ((kind != "weights" && kind != "optimizer" && kind != "rule") || type != expected)
        throw input_error(fmt::format("{}: header /blocks: unexpected block {} of type {}", file, name, type));
      if (kind == "weights") {
        if (v2) {
          const std::vector<float> w32 = blocks.read<float>(name, n);
          c.weights.emplace_back(w32.begin(), w32.end());
        } else {
          c.weights.push_back(blocks.read<double>(name, n));
        }
        for (double x : c.weights.back())
          if (!std::isfinite(x)) throw input_error(fmt::format("{}: {}: non-finite weight", file, name));
      } else if (kind == "optimizer") {
        c.optimizer_state.push_back(blocks.read<double>(name, n));
      } else {
        c.rule_state.push_back(blocks.read<float>(name, n));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw input_error(fmt::format("{}: bad checkpoint header: {}", file, e.what()));
  }
  if (blocks.pos() != body.size())
    throw input_error(fmt::format("{}: byte {}: unexpected data after the last block", file, blocks.pos()));
  return c;
}

void checkpoint::save(const std::filesystem::path& path) const { write_file_atomic(path, encode()); }

checkpoint checkpoint::load(const std::filesystem::path& path) {
  const std::string file = path.string();
  return decode(read_text_file(file), file);
}

}  // namespace evsnn::rules
