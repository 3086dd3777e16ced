// training_energy: the price of a training pass against hand counts (every op kind where it belongs,
// learning operations on both sides, dense MACs from the network's shape), and from a real trainer:
// neuron steps count every pass of a multi-pass rule, optimizer steps count as weight updates, learning
// operations appear in the log.
#include "rules/training_energy.hpp"

#include <cmath>

#include <doctest/doctest.h>

#include "models/builtin_models.hpp"
#include "rule_fixture.hpp"
#include "trainer_fixture.hpp"

using namespace evsnn;

namespace {

// A profile charging `pj` for the named kinds and nothing else.
energy_profile profile_of(bool event_driven, const std::vector<std::pair<const char*, double>>& pj) {
  nlohmann::json per_op = nlohmann::json::object();
  for (const char* k : op_kind_names) per_op[k] = {{"energy_pj", 0}, {"source", ""}, {"status", "not_charged"}};
  for (const auto& [k, e] : pj) per_op[k] = {{"energy_pj", e}, {"source", "test"}, {"status", "confirmed"}};
  return energy_profile::parse({{"format", "evsnn-energy-profile/1"},
                                {"name", "t"},
                                {"title", "t"},
                                {"execution", event_driven ? "event_driven" : "time_stepped"},
                                {"per_op", per_op}},
                               "t.json");
}

}  // namespace

TEST_CASE("training_energy: event-driven and time-stepped prices of hand-made counts") {
  // 3 -> 4 -> 2: 12 + 8 = 20 dense MACs per step.
  test::rule_fixture f(test::chain_network({3, 4, 2}, {1.0, 1.0}, {0.1, 0.1}, {0.1, 0.1}));
  run_counters c;
  c.populations.resize(f.net->population_count());
  c.projections.resize(f.net->projection_count());
  c.projections[0].synaptic_events = 100;
  c.projections[1].synaptic_events = 10;
  c.projections[0].trace_updates = 7;
  c.projections[1].weight_updates = 11;
  c.projections[1].rule_ops = 13;
  c.populations[1].neuron_updates = 50;
  c.populations[2].spikes = 3;
  c.queue_pushes = 40;
  c.queue_pops = 40;
  const std::uint64_t steps = 30, neurons = 6, samples = 2;
  const energy_profile ed = profile_of(true, {{"synaptic_ac", 1.0},
                                              {"neuron_step", 1000.0},
                                              {"queue_op", 1e6},
                                              {"trace_update", 1e9},
                                              {"weight_update", 1e12},
                                              {"rule_op", 1e15}});
  const energy_profile ts = profile_of(false, {{"dense_mac", 1.0},
                                               {"neuron_update", 1000.0},
                                               {"trace_update", 1e6},
                                               {"weight_update", 1e9},
                                               {"rule_op", 1e12}});
  const rules::training_cost r = rules::price_training(c, *f.net, steps, neurons, samples, 100, &ed, &ts);
  CHECK(r.learning_ops_per_sample == doctest::Approx((7 + 11 + 100 + 13) / 2.0));
  const double ed_pj = 110 * 1.0 + 180 * 1000.0 + 80 * 1e6 + 7 * 1e9 + (11 + 100) * 1e12 + 13 * 1e15;
  CHECK(r.event_driven_uj == doctest::Approx(ed_pj * 1e-6 / 2).epsilon(1e-12));
  // Time-stepped: 20 MACs x 30 steps, 6 neurons x 30 steps (not the event-driven 50 updates), the same
  // learning operations; no queue.
  const double ts_pj = 600 * 1.0 + 180 * 1000.0 + 7 * 1e6 + (11 + 100) * 1e9 + 13 * 1e12;
  CHECK(r.time_stepped_uj == doctest::Approx(ts_pj * 1e-6 / 2).epsilon(1e-12));
  const rules::training_cost none = rules::price_training(c, *f.net, steps, neurons, samples, 100, nullptr, nullptr);
  CHECK(std::isnan(none.event_driven_uj));
  CHECK(std::isnan(none.time_stepped_uj));
  CHECK(none.learning_ops_per_sample == r.learning_ops_per_sample);
  CHECK(std::isnan(rules::price_training(c, *f.net, steps, neurons, 0, 100, &ed, &ts).event_driven_uj));
}

TEST_CASE("training_energy: the trainer prices every pass (anp runs two) and logs learning operations") {
  // Charge neuron steps (1 pJ) and weight updates (1 nJ): energy per sample = passes x ceil(20 ms / 1 ms) x
  // (40 + 3) neurons x 1 pJ + optimizer steps (one per batch of 10) x 1,320 weights / training samples x 1 nJ.
  for (const char* rule : {"dfa", "anp"}) {
    auto cfg = test::small_train_config(test::chain_network({30, 40, 3}, {0.5, 0.5}, {0.1, 0.05}, {0.3, 0.3}, 10.0),
                                        {{"type", rule}}, test::fresh_dir(std::string("train_energy_") + rule), 20);
    cfg["epochs"] = 1;
    rules::trainer tr(rules::parse_train_config(cfg, "train.json", "."), builtin_model_registry(), "data",
                      profile_of(true, {{"neuron_step", 1.0}, {"weight_update", 1000.0}}),
                      profile_of(false, {{"neuron_update", 2.0}}));
    tr.train(nullptr, nullptr);
    const rules::epoch_metrics& m = tr.log().back();
    const double passes = std::string(rule) == "anp" ? 2.0 : 1.0;
    const double n = static_cast<double>(tr.train_size()), updates = std::ceil(n / 10.0) * 1320 / n;
    INFO(rule);
    CHECK(m.train_energy_per_sample_uj == doctest::Approx(passes * 20 * 43 * 1e-6 + updates * 1e-3));
    CHECK(m.train_energy_stepped_per_sample_uj == doctest::Approx(passes * 20 * 43 * 2e-6));
    CHECK(m.train_learning_ops_per_sample > updates);
  }
}
