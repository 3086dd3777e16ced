// libFuzzer target: network JSON ("evsnn-network/1") as evsnn run reads it: parse_json_text, then
// build_network with the builtin models (models/) and plasticity rules (rules/plasticity_rules).
// Any input must give a network or evsnn::input_error. Documents over the fuzz budget (fuzz_budget.hpp)
// or naming absolute paths are skipped. Checks on what loads: the neuron count is the sum of the
// population sizes, projections keep their CSR invariants (engine/projection.hpp)
// and finite weights, every plastic rule describes itself.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "engine/network_loader.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tests/fuzz/fuzz_budget.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace evsnn;
  static const model_registry models = builtin_model_registry();
  static const plasticity_registry plastic = rules::builtin_plasticity_registry();
  try {
    const nlohmann::json doc = parse_json_text({reinterpret_cast<const char*>(data), size}, "fuzz.json");
    if (!fuzz::network_within_budget(doc) || fuzz::names_absolute_path(doc)) return 0;
    const auto net = build_network(doc, "fuzz.json", fuzz::no_dir, models, &plastic);
    std::size_t neurons = 0;
    for (std::uint32_t p = 0; p < net->population_count(); ++p) neurons += net->pop(p).size();
    if (neurons != net->neuron_count() || neurons > fuzz::max_neurons) __builtin_trap();
    for (std::uint32_t k = 0; k < net->projection_count(); ++k) {
      const projection& pr = net->proj(k);
      if (pr.pre_population() >= net->population_count() || pr.post_population() >= net->population_count() ||
          pr.n_pre() != net->pop(pr.pre_population()).size() || pr.n_post() != net->pop(pr.post_population()).size() ||
          !(pr.delay_ms() >= 0) || !std::isfinite(pr.delay_ms()))
        __builtin_trap();
      std::size_t total = 0;
      for (std::uint32_t i = 0; i < pr.n_pre(); ++i) total += pr.fan_out(i);
      if (total != pr.synapse_count()) __builtin_trap();
      for (std::uint32_t s = 0; s < pr.synapse_count(); ++s)
        if (pr.pre_of(s) >= pr.n_pre() || pr.post_of(s) >= pr.n_post() || !std::isfinite(pr.weight(s)))
          __builtin_trap();
    }
    for (std::size_t k = 0; k < net->plasticity_count(); ++k) {
      if (net->plastic(k).projection() >= net->projection_count()) __builtin_trap();
      (void)net->plastic(k).describe().dump();
    }
  } catch (const input_error& e) {
    evsnn::fuzz::refused(e);
  }
  return 0;
}
