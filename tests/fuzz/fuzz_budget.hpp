#pragma once
// fuzz_budget: screens the fuzz harnesses apply before handing a parsed document to code that would
// allocate what the document asks for or read files it names. A skipped input is not a finding: the
// harness returns before the code under test runs. Each screen is deliberately simple (it over-
// approximates sizes from the raw JSON) so that no input can allocate without bound by design; the
// fuzzers' -rss_limit_mb / -malloc_limit_mb then report anything that still allocates a lot.
//   network_within_budget: every population size (a number under "populations/*/size") at most
//     max_population, their sum at most max_neurons, and the pairs of every {"init": ...} projection
//     (pre size x post size, by name) at most max_init_pairs in total.
//   refused(e): call in a harness's catch of input_error; with FUZZ_VERBOSE set, prints the message
//     (to see why a seed or a corpus file is refused: FUZZ_VERBOSE=1 ./fuzz_network file).
//   names_absolute_path: some string in the document starts with '/' (a file outside the harness's
//     nonexistent base folder; relative names resolve inside it and are never found).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace evsnn::fuzz {

inline constexpr double max_population = 4096;
inline constexpr double max_neurons = 16384;
inline constexpr double max_init_pairs = 1 << 20;
// The base folder given to loaders: relative file names resolve here and are never found.
inline constexpr const char* no_dir = "/nonexistent-evsnn-fuzz";

inline bool network_within_budget(const nlohmann::json& doc) {
  if (!doc.is_object()) return true;
  const auto pops = doc.find("populations");
  if (pops == doc.end() || !pops->is_array()) return true;
  std::map<std::string, double> size_of;
  double neurons = 0;
  for (const auto& p : *pops) {
    if (!p.is_object()) continue;
    const auto s = p.find("size");
    if (s == p.end() || !s->is_number()) continue;
    const double n = s->get<double>();
    if (!(n <= max_population)) return false;  // NaN cannot be stored in JSON; negative sizes are refused
    neurons += n > 0 ? n : 0;
    const auto name = p.find("name");
    if (name != p.end() && name->is_string()) size_of[name->get<std::string>()] = n;
  }
  if (neurons > max_neurons) return false;
  const auto projs = doc.find("projections");
  if (projs == doc.end() || !projs->is_array()) return true;
  double pairs = 0;
  for (const auto& pr : *projs) {
    if (!pr.is_object() || !pr.contains("weights") || !pr["weights"].is_object() || !pr["weights"].contains("init"))
      continue;
    const auto pre = pr.find("pre"), post = pr.find("post");
    if (pre == pr.end() || post == pr.end() || !pre->is_string() || !post->is_string()) continue;
    const auto a = size_of.find(pre->get<std::string>()), b = size_of.find(post->get<std::string>());
    if (a != size_of.end() && b != size_of.end()) pairs += a->second * b->second;
  }
  return pairs <= max_init_pairs;
}

inline bool names_absolute_path(const nlohmann::json& doc) {
  if (doc.is_string()) return !doc.get_ref<const std::string&>().empty() && doc.get_ref<const std::string&>()[0] == '/';
  if (doc.is_structured())
    for (const auto& v : doc)
      if (names_absolute_path(v)) return true;
  return false;
}

inline void refused(const std::exception& e) {
  static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "refused: %s\n", e.what());
}

}  // namespace evsnn::fuzz
