// train_config: every training config shipped in examples/train/ parses, its network builds, its chain is one
// the trainer accepts and its rule, loss and optimizer are built from their specs exactly as evsnn train builds
// them (all but the data, which the tests cannot assume: several configs need files that cannot be downloaded).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "engine/json_node.hpp"
#include "engine/network_loader.hpp"
#include "models/builtin_models.hpp"
#include "rules/layer_chain.hpp"
#include "rules/learning_rule.hpp"
#include "rules/loss.hpp"
#include "rules/optimizer.hpp"
#include "rules/train_config.hpp"

using namespace evsnn;

TEST_CASE("train_config: every shipped training config builds its network, chain, rule, loss and optimizer") {
  const std::filesystem::path dir = std::filesystem::path(EVSNN_SOURCE_DIR) / "examples" / "train";
  const model_registry models = builtin_model_registry();
  int configs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    const nlohmann::json doc = nlohmann::json::parse(std::ifstream(entry.path()));
    if (!doc.contains("format") || doc["format"] != "evsnn-train/1") continue;  // a network file
    const std::string name = entry.path().filename().string();
    INFO(name);
    try {
      const rules::train_config cfg = rules::load_train_config(entry.path().string());
      auto net = build_network(cfg.network, cfg.network_file, cfg.network_dir, models);
      const rules::layer_chain chain = rules::find_layer_chain(*net, cfg.network_file);
      const auto loss = rules::make_loss(cfg.loss, "/loss");
      const auto rule = rules::make_rule(json_node(cfg.rule, name, "/rule"), chain, loss->input(), cfg.seed);
      CHECK(rule->computes_loss() == loss->computed_by_rule());
      const auto opt = rules::make_optimizer(cfg.optimizer, "/optimizer");
      CHECK(opt != nullptr);
      ++configs;
    } catch (const std::exception& e) {
      FAIL_CHECK(std::string(e.what()));
    }
  }
  CHECK(configs >= 40);
}
