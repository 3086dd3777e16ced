// The registry of learning rules: one line per rule (learning_rule.hpp declares make_rule).
#include <fmt/format.h>

#include "rules/bp_exact.hpp"
#include "rules/feedback_alignment.hpp"
#include "rules/learning_rule.hpp"

namespace evsnn::rules {

namespace {

using factory = std::unique_ptr<learning_rule> (*)(const json_node&, const layer_chain&, loss_input, std::uint64_t);

struct entry {
  const char* name;
  factory make;
};

const entry registry[] = {
    {"sfdfa", [](const json_node& s, const layer_chain& c, loss_input in, std::uint64_t seed) {
       return make_feedback_alignment(s, c, in, seed, true);
     }},
    {"dfa", [](const json_node& s, const layer_chain& c, loss_input in, std::uint64_t seed) {
       return make_feedback_alignment(s, c, in, seed, false);
     }},
    {"bp_exact", [](const json_node& s, const layer_chain& c, loss_input in, std::uint64_t) {
       return make_bp_exact(s, c, in);
     }},
};

}  // namespace

std::vector<std::string> rule_names() {
  std::vector<std::string> names;
  for (const entry& e : registry) names.emplace_back(e.name);
  return names;
}

std::unique_ptr<learning_rule> make_rule(const json_node& spec, const layer_chain& chain, loss_input input,
                                         std::uint64_t seed) {
  const std::string type = spec.is_string() ? spec.as_string() : spec.at("type").as_string();
  for (const entry& e : registry)
    if (type == e.name) return e.make(spec, chain, input, seed);
  const json_node where = spec.is_string() ? spec : spec.at("type");
  where.fail(fmt::format("unknown rule '{}' (known: {})", type, fmt::join(rule_names(), ", ")));
}

}  // namespace evsnn::rules
