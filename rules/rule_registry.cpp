// The registry of learning rules: one line per rule (learning_rule.hpp declares make_rule).
#include <algorithm>
#include <functional>

#include "engine/registry.hpp"
#include "rules/anp.hpp"
#include "rules/bp_exact.hpp"
#include "rules/bptt.hpp"
#include "rules/bptt_readout.hpp"
#include "rules/eprop.hpp"
#include "rules/feedback_alignment.hpp"
#include "rules/learning_rule.hpp"
#include "rules/local_rule.hpp"
#include "rules/online_rule.hpp"
#include "rules/tp.hpp"

namespace evsnn::rules {

namespace {

// Builds a rule from its spec (an object whose "type" make_rule has read, or a plain name).
using rule_factory = std::function<std::unique_ptr<learning_rule>(const json_node& spec, const layer_chain& chain,
                                                                  loss_input input, std::uint64_t seed)>;

registry<rule_factory> rule_registry() {
  registry<rule_factory> r("rule");
  r.add("sfdfa", [](const json_node& s, const layer_chain& c, loss_input in, std::uint64_t seed) {
    return make_feedback_alignment(s, c, in, seed, true);
  });
  r.add("dfa", [](const json_node& s, const layer_chain& c, loss_input in, std::uint64_t seed) {
    return make_feedback_alignment(s, c, in, seed, false);
  });
  r.add("bp_exact", [](const json_node& s, const layer_chain& c, loss_input in, std::uint64_t) {
    return make_bp_exact(s, c, in);
  });
  r.add("local", [](const json_node& s, const layer_chain& c, loss_input, std::uint64_t) {
    return make_local_rule(s, c);
  });
  for (const std::string& type : online_rule_types())
    r.add(type, [type](const json_node& s, const layer_chain& c, loss_input, std::uint64_t) {
      return make_online_rule(type, s, c);
    });
  r.add("tp", [](const json_node& s, const layer_chain& c, loss_input, std::uint64_t seed) {
    return make_tp_rule(s, c, seed);
  });
  r.add("anp", [](const json_node& s, const layer_chain& c, loss_input, std::uint64_t seed) { return make_anp(s, c, seed); });
  r.add("eprop", [](const json_node& s, const layer_chain& c, loss_input, std::uint64_t seed) {
    return make_eprop(s, c, seed);
  });
  r.add("bptt", [](const json_node& s, const layer_chain& c, loss_input, std::uint64_t) {
    // A chain ending in a leaky readout (the e-prop architecture, recurrence allowed) or a spiking tick chain.
    return c.output().readout ? make_bptt_readout(s, c) : make_bptt(s, c);
  });
  return r;
}

}  // namespace

std::vector<std::string> rule_names() { return rule_registry().names(); }

std::unique_ptr<learning_rule> make_rule(const json_node& spec, const layer_chain& chain, loss_input input,
                                         std::uint64_t seed) {
  // Reading "type" here marks it as read for the factory's finish(): factories never touch it.
  const registry<rule_factory> rules = rule_registry();
  const json_node type = spec.is_string() ? spec : spec.at("type");
  const rule_factory& make = rules.lookup(type);
  // Recurrent projections: only the rules that train them accept such a chain.
  const std::string& t = type.as_string();
  if (chain.recurrent() && t != "eprop" && t != "local" && t != "bptt" && t != "tp")
    require_feed_forward(chain, t.c_str());
  // Trained biases: the seed-004 rules on spiking discrete-tick chains.
  const std::vector<std::string> online = online_rule_types();
  const bool bias_rule = std::find(online.begin(), online.end(), t) != online.end() || (t == "bptt" && !chain.output().readout);
  if (!bias_rule) require_no_bias(chain, t.c_str(), spec.file());
  return make(spec, chain, input, seed);
}

}  // namespace evsnn::rules
