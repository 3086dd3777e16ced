// libFuzzer target: training configs ("evsnn-train/1") as evsnn train reads them, up to the point where
// training would start: parse_train_config, the loss and optimizer made from it (each must rebuild
// identically from its describe(), as rules/loss.hpp and rules/optimizer.hpp promise), and for an inline
// network within the fuzz budget (fuzz_budget.hpp): the network, its layer chain and the rule (and the
// alignment reference rule), the optimizer bound to the layers' weights and stepped once. No data set
// is opened (fuzz_spec covers data set specs) and nothing trains. Any input must get that far or give
// evsnn::input_error. Documents naming absolute paths are skipped (relative ones are never found).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "engine/network_loader.hpp"
#include "models/builtin_models.hpp"
#include "rules/layer_chain.hpp"
#include "rules/learning_rule.hpp"
#include "rules/loss.hpp"
#include "rules/optimizer.hpp"
#include "rules/plasticity_rules.hpp"
#include "rules/train_config.hpp"
#include "tests/fuzz/fuzz_budget.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace evsnn;
  using namespace evsnn::rules;
  static const model_registry models = builtin_model_registry();
  static const plasticity_registry plastic = builtin_plasticity_registry();
  try {
    const nlohmann::json doc = parse_json_text({reinterpret_cast<const char*>(data), size}, "train.json");
    if (fuzz::names_absolute_path(doc)) return 0;
    const train_config cfg = parse_train_config(doc, "train.json", fuzz::no_dir);
    if (cfg.epochs == 0 || cfg.batch_size == 0 || cfg.threads > max_threads || cfg.checkpoint_every == 0 ||
        !(cfg.energy_dt_ms > 0))
      __builtin_trap();
    const auto loss = make_loss(cfg.loss, "train.json: /loss");
    if (make_loss(loss->describe(), "describe")->describe() != loss->describe()) __builtin_trap();
    const auto opt = make_optimizer(cfg.optimizer, "train.json: /optimizer");
    if (make_optimizer(opt->describe(), "describe")->describe() != opt->describe()) __builtin_trap();
    for (std::uint64_t e : {std::uint64_t{0}, std::uint64_t{1}, cfg.epochs - 1}) {
      const double s = opt->lr_scale_for_epoch(e);
      if (!(s >= 0 && s <= 1)) __builtin_trap();
    }
    if (!fuzz::network_within_budget(cfg.network)) return 0;
    const auto net = build_network(cfg.network, cfg.network_file, cfg.network_dir, models, &plastic);
    if (net->plasticity_count() > 0) return 0;  // evsnn train refuses these (rules/trainer.cpp)
    const layer_chain chain = find_layer_chain(*net, cfg.network_file);
    if ((loss->input() == loss_input::readout) != chain.output().readout) return 0;  // refused by the trainer too
    const json_node root(cfg.doc, cfg.file);
    const auto rule = make_rule(root.at("rule"), chain, loss->input(), cfg.seed);
    (void)rule->describe().dump();
    if (cfg.alignment_every > 0) {
      const auto al = root.get("alignment");
      const json_node spec = al && al->has("reference")
                                 ? al->at("reference")
                                 : json_node(cfg.alignment_reference, cfg.file, "/alignment/reference");
      (void)make_rule(spec, chain, loss->input(), cfg.seed)->describe();
    }
    std::vector<std::size_t> sizes;
    for (const layer_info& l : chain.layers) sizes.push_back(net->proj(l.projection).weights().size());
    opt->bind(sizes);
    for (std::size_t b = 0; b < chain.layers.size(); ++b) {
      const auto w = net->proj(chain.layers[b].projection).weights();
      const std::vector<double> grad(w.size(), 0.25);
      opt->step(b, w, grad, opt->lr_scale_for_epoch(0));
    }
    opt->finish_step();
    if (opt->steps() != 1) __builtin_trap();
  } catch (const input_error& e) {
    evsnn::fuzz::refused(e);
  }
  return 0;
}
