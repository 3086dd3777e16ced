#pragma once
// streams: every random stream the trainer and the rules derive, in one place — the salts they give
// rng::derive with the config's (or a rule's) seed, and the sample ids each phase of the trainer gives its
// samples (simulator::set_sample_index: the seeds of a sample's stochastic populations, so that a sample draws
// the same input whenever the same phase presents it). The engine's own streams (random weights, a sample's
// population seeds) are in engine/network_loader.cpp and simulator::population_seed; the data sets' (shuffles,
// encoders, Randman) derive through data::mix_seed with tags of their own, in datasets/.
// Invariants: the salts are distinct, and so are the sample-id spaces (checked below); changing any value
// changes results.
#include <array>
#include <cstdint>

namespace evsnn::rules::streams {

// Salts: rng::derive(seed, salt, ...).
// (after the salt: the further arguments of the derivation)
inline constexpr std::uint64_t epoch_shuffle = 0xe90c;          // trainer: the epoch's sample order (epoch)
inline constexpr std::uint64_t output_redraw = 0xac71e0;        // active_outputs: a round's redraws (round; neuron)
inline constexpr std::uint64_t nes_directions = 0x4e45;         // attack: NES directions (sample * 1024 + step)
inline constexpr std::uint64_t feedback_init = 0xfeedb;         // dfa / sfdfa: the fixed (or initial) feedback
inline constexpr std::uint64_t sfdfa_perturbation = 0x5fdfa;    // sfdfa: the hidden neurons' perturbations (sample)
inline constexpr std::uint64_t anp_noise = 0xa4e;               // anp: the noisy pass's noise (sample; 1)
inline constexpr std::uint64_t eprop_feedback = 0xe9e0b;        // e-prop: the random feedback weights
inline constexpr std::uint64_t tp_label_weights = 0x7e1abe1;    // tp: the label-stream weights
inline constexpr std::uint64_t tp_label_recurrent = 0x7e1abe2;  // tp: the label stream's recurrent matrix

// Sample ids: epoch e's training sample i has e * (training samples) + i, below 2^60 for any data set that fits in
// memory; the other phases start far above.
inline constexpr std::uint64_t check_samples = std::uint64_t(5) << 60;      // active_outputs' probe of sample i
inline constexpr std::uint64_t evaluation_samples = std::uint64_t(3) << 61;  // validation or training-split evaluation
inline constexpr std::uint64_t test_samples = std::uint64_t(1) << 62;       // the test split (evaluation and attacks)

namespace detail {
constexpr std::array<std::uint64_t, 9> salts = {epoch_shuffle,    output_redraw,      nes_directions,
                                                feedback_init,    sfdfa_perturbation, anp_noise,
                                                eprop_feedback,   tp_label_weights,   tp_label_recurrent};
constexpr bool distinct() {
  for (std::size_t i = 0; i < salts.size(); ++i)
    for (std::size_t j = i + 1; j < salts.size(); ++j)
      if (salts[i] == salts[j]) return false;
  return true;
}
}  // namespace detail
static_assert(detail::distinct(), "two streams share a salt");
static_assert(evaluation_samples - check_samples >= (std::uint64_t(1) << 60) &&
                  test_samples - evaluation_samples >= (std::uint64_t(1) << 60),
              "sample-id spaces overlap");

}  // namespace evsnn::rules::streams
