#pragma once
// local_rule: trains layers of a layer chain with a plastic (local) rule through the trainer, so that
// the one trainer drives both kinds of rule: config "rule": {"type": "local", "plasticity": {"rule":
// "stdp", ...}, "layers": [0, ...]} (layers default: every layer that spikes). Each worker runs the
// plastic rule (built through the plasticity registry, as if the network declared it) on its copy of
// the network; a sample starts from the batch's weights, its weight changes are added into fixed-point
// sums and undone, and end_batch hands the optimizer minus the mean change per synapse as the
// "gradient": with "sgd" at lr 1 the batch applies the mean of its samples' changes (batch_size 1 is
// online, sample by sample), bit-identical for any thread count. Weights are the trainer's master
// weights. Layers the rule does not train get zero gradients. A trained layer's recurrent projection (onto
// itself) is trained by the same rule.
// Invariants: sums.sums[b] has one value per synapse of chain block b (0 for blocks of untrained layers).
#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/learning_rule.hpp"

namespace evsnn::rules {

std::unique_ptr<learning_rule> make_local_rule(const json_node& spec, const layer_chain& chain);

}  // namespace evsnn::rules
