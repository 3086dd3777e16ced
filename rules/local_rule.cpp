#include "rules/local_rule.hpp"

#include <fmt/format.h>

#include "engine/plasticity.hpp"
#include "rules/plasticity_rules.hpp"

namespace evsnn::rules {

namespace {

class local_worker final : public rule_worker {
 public:
  local_worker(simulator& sim, const layer_chain& chain, const std::vector<bool>& trained, const nlohmann::json& spec,
               const std::string& file, const std::string& path)
      : sim_(sim), chain_(chain), trained_(trained) {
    hook_subscription sub;  // samples only: snapshot the weights before the rule's hooks run
    sim.add_hook(*this, sub);
    const plasticity_registry registry = builtin_plasticity_registry();
    const json_node params(spec, file, path);
    base_.resize(chain.blocks.size());
    for (std::size_t l = 0; l < chain.blocks.size(); ++l) {
      if (!trained_[l]) continue;
      const std::uint32_t p = chain.blocks[l].projection;
      rules_.push_back(registry.lookup(params.at("rule"))(params, sim.net(), p));
      rules_.back()->bind_counters(&sim.counters().projections[p]);
      sim.add_hook(*rules_.back(), rules_.back()->subscription());
    }
  }

  void on_reset(double) override {
    for (auto& r : rules_) r->set_learning(learning_);
    if (!learning_) return;
    for (std::size_t l = 0; l < chain_.blocks.size(); ++l)
      if (trained_[l]) {
        const auto w = sim_.net().proj(chain_.blocks[l].projection).weights();
        base_[l].assign(w.begin(), w.end());
      }
  }

  void accumulate(const output_error& /*err*/, fixed_sum_set& sums) override {
    for (auto& r : rules_) r->settle(sim_.now());
    for (std::size_t l = 0; l < chain_.blocks.size(); ++l) {
      if (!trained_[l]) continue;
      auto w = sim_.net().proj(chain_.blocks[l].projection).weights();
      for (std::size_t s = 0; s < w.size(); ++s) {
        sums.sums[l].add(s, static_cast<double>(w[s]) - static_cast<double>(base_[l][s]));
        w[s] = base_[l][s];
      }
    }
  }

 private:
  simulator& sim_;
  const layer_chain& chain_;
  std::vector<bool> trained_;
  std::vector<std::unique_ptr<plasticity>> rules_;
  std::vector<std::vector<double>> base_;
};

class local_rule final : public learning_rule {
 public:
  local_rule(nlohmann::json plasticity, std::string file, std::string path, std::vector<bool> layer_trained,
             const layer_chain& chain)
      : plasticity_(std::move(plasticity)),
        file_(std::move(file)),
        path_(std::move(path)),
        layer_trained_(std::move(layer_trained)) {
    for (const trained_block& b : chain.blocks) {
      trained_.push_back(layer_trained_[b.layer]);
      sizes_.push_back(b.synapses);
    }
  }

  const char* name() const override { return "local"; }
  bool writes_weights() const override { return true; }
  fixed_sum_set make_sums() const override {
    fixed_sum_set s;
    for (std::size_t l = 0; l < sizes_.size(); ++l) s.sums.emplace_back(trained_[l] ? sizes_[l] : 0);
    return s;
  }
  std::unique_ptr<rule_worker> make_worker(simulator& sim, const layer_chain& chain) override {
    return std::make_unique<local_worker>(sim, chain, trained_, plasticity_, file_, path_);
  }
  void end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) override {
    grads.resize(sizes_.size());
    for (std::size_t l = 0; l < sizes_.size(); ++l) {
      grads[l].assign(sizes_[l], 0.0);
      if (!trained_[l]) continue;
      for (std::size_t s = 0; s < sizes_[l]; ++s) grads[l][s] = -total.sums[l].get(s) / static_cast<double>(n);
    }
  }
  nlohmann::json describe() const override {
    nlohmann::json layers = nlohmann::json::array();
    for (std::size_t l = 0; l < layer_trained_.size(); ++l)
      if (layer_trained_[l]) layers.push_back(l);
    return {{"type", "local"}, {"plasticity", plasticity_}, {"layers", layers}};
  }

 private:
  nlohmann::json plasticity_;
  std::string file_, path_;
  std::vector<bool> layer_trained_;  // per layer (its feed-forward and recurrent projections)
  std::vector<bool> trained_;        // per block
  std::vector<std::size_t> sizes_;   // per block
};

}  // namespace

std::unique_ptr<learning_rule> make_local_rule(const json_node& spec, const layer_chain& chain) {
  if (!spec.is_object()) spec.fail("\"local\" needs an object with \"plasticity\": {\"rule\": ...}");
  const json_node plasticity = spec.at("plasticity");
  plasticity.expect_object();
  builtin_plasticity_registry().lookup(plasticity.at("rule"));
  std::vector<bool> trained(chain.layers.size(), false);
  if (auto layers = spec.get("layers")) {
    layers->expect_array();
    if (layers->size() == 0) layers->fail("name at least one layer");
    for (std::size_t k = 0; k < layers->size(); ++k) {
      const std::uint64_t l = (*layers)[k].as_uint();
      if (l >= chain.layers.size())
        (*layers)[k].fail(fmt::format("layer {} does not exist (the chain has {})", l, chain.layers.size()));
      if (chain.layers[l].readout)
        (*layers)[k].fail(fmt::format("layer {} ('{}') is a readout; a plastic rule needs a spiking target", l,
                                      chain.layers[l].name));
      trained[l] = true;
    }
  } else {
    for (std::size_t l = 0; l < chain.layers.size(); ++l) trained[l] = !chain.layers[l].readout;
  }
  spec.finish();
  return std::make_unique<local_rule>(plasticity.raw(), plasticity.file(), plasticity.path(), std::move(trained),
                                      chain);
}

}  // namespace evsnn::rules
