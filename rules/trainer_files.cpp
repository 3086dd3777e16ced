// trainer_files: what the trainer writes and reads back — the log, checkpoints (the format:
// rules/checkpoint.hpp) and the trained network (one weights file per trained block).
#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "rules/checkpoint.hpp"
#include "rules/trainer.hpp"
#include "rules/trainer_worker.hpp"

namespace evsnn::rules {

void trainer::write_outputs() const {
  if (!writes_files()) return;
  write_file_atomic(cfg_.output_dir / "log.csv", log_.csv());
  write_file_atomic(cfg_.output_dir / "log.json", log_.json().dump(2) + "\n");
  if (epochs_done_ > 0) write_network(cfg_.output_dir / "network.json");
}

// ---- checkpoints (the format: rules/checkpoint.hpp) ------------------------------------------------

void trainer::save_checkpoint(const std::filesystem::path& path) const {
  checkpoint c;
  c.epochs_done = epochs_done_;
  c.config = cfg_.doc;
  c.rule = rule_->describe();
  c.optimizer = optimizer_->state_header();
  c.log = log_;
  c.weights = master_;
  for (const auto& a : optimizer_->state_arrays()) c.optimizer_state.emplace_back(a.begin(), a.end());
  for (const auto& a : rule_->state()) c.rule_state.emplace_back(a.begin(), a.end());
  c.save(path);
}

void trainer::load_checkpoint(const std::filesystem::path& path, bool for_resume) {
  const std::string file = path.string();
  checkpoint c = checkpoint::load(path);
  // The network, data and rule must be those of the config (epochs may differ: a run can be extended).
  nlohmann::json a = c.config, b = cfg_.doc;
  if (a.is_object()) a.erase("epochs");
  b.erase("epochs");
  if (a != b)
    throw input_error(fmt::format("{}: the checkpoint was written by a different config (only \"epochs\" may change)",
                                  file));
  if (c.weights.size() != master_.size())
    throw input_error(fmt::format("{}: {} weight blocks, the network has {} layers", file, c.weights.size(),
                                  master_.size()));
  for (std::size_t l = 0; l < master_.size(); ++l)
    if (c.weights[l].size() != master_[l].size())
      throw input_error(fmt::format("{}: weights/{}: {} values, the network's layer has {}", file, l,
                                    c.weights[l].size(), master_[l].size()));
  for (std::size_t l = 0; l < master_.size(); ++l)  // in place: every network copy shares these arrays
    std::copy(c.weights[l].begin(), c.weights[l].end(), master_[l].begin());
  broadcast_weights();
  if (!for_resume) return;
  try {
    optimizer_->load_state(c.optimizer, std::move(c.optimizer_state), file + ": optimizer");
  } catch (const nlohmann::json::exception& e) {
    throw input_error(fmt::format("{}: bad checkpoint header: {}", file, e.what()));
  }
  rule_->load_state(c.rule_state);
  epochs_done_ = c.epochs_done;
  log_ = std::move(c.log);
}

// ---- the trained network ---------------------------------------------------------------------------

void trainer::write_network(const std::filesystem::path& path) const {
  nlohmann::json doc = cfg_.network;
  const std::filesystem::path dir = path.parent_path();
  for (std::size_t l = 0; l < master_.size(); ++l) {
    const trained_block& b = chain().blocks[l];
    if (b.bias) {  // the layer's model parameter
      doc["populations"][chain().layers[b.layer].population]["params"]["bias"] = master_[l];
      continue;
    }
    nlohmann::json& pj = doc["projections"][b.projection];
    if (!b.dense) {
      // A sparse block keeps its connectivity: the lists in the projection's synapse order.
      const projection& pr = workers_[0]->net->proj(b.projection);
      std::vector<std::uint32_t> pre(b.synapses), post(b.synapses);
      for (std::uint32_t s = 0; s < b.synapses; ++s) pre[s] = pr.pre_of(s), post[s] = pr.post_of(s);
      pj["weights"] = {{"pre", pre}, {"post", post}, {"w", master_[l]}};
      continue;
    }
    const std::string csv = fmt::format("weights_{}.csv", l);
    std::string text;
    text.reserve(master_[l].size() * 12);
    for (std::uint32_t j = 0; j < b.n_pre; ++j) {
      for (std::uint32_t i = 0; i < b.n_post; ++i) {
        if (i) text += ',';
        fmt::format_to(std::back_inserter(text), "{}", master_[l][std::size_t(j) * b.n_post + i]);  // shortest exact
      }
      text += '\n';
    }
    write_file_atomic(dir / csv, text);
    pj["weights"] = {{"csv", csv}};
  }
  doc["description"] = fmt::format("trained by evsnn train {} ({} epochs, rule {})", cfg_.file, epochs_done_,
                                   rule_->name());
  write_file_atomic(path, doc.dump(1) + "\n");
}

}  // namespace evsnn::rules
