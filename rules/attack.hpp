#pragma once
// attack: adversarial attacks on a trained network's input images (the seed-003 protocol; evsnn attack):
//  - FGSM (white box): x' = clip(x + ε sign(∇_x L), 0, 1) with ∇_x L from BPTT on the time-stepped twin
//    (readout chains: rules/readout_unroll.hpp). With a rate code the expected input of pixel j at every step
//    is proportional to its intensity, so ∂L/∂x_j ∝ Σ_k ∂L/∂(input of j at step k): its sign is FGSM's.
//  - NES (black box, Ilyas et al. 2018): only queries of the event simulator. The gradient is estimated from
//    antithetic Gaussian samples, g = Σ_i (L(x + σu_i) − L(x − σu_i)) u_i / (2σn), and the image takes
//    projected sign steps x ← Π_ε(x + α sign g) (α = nes_step, default ε/4) until it is misclassified or the
//    query budget cannot pay for another estimate and check. Every simulation is one query, counted.
// The images are re-encoded with the data set's coupled code (dataset::encode_pixels): each pixel's spikes
// come from its own stream, so clean and attacked samples share their noise.
// Invariants: nes_gradient makes exactly 2 pairs queries; project keeps x within [0, 1] and ε of x0.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/rng.hpp"

namespace evsnn::rules {

struct attack_options {
  std::vector<double> eps = {0.05, 0.1, 0.2};  // L∞ budgets, pixel units
  bool fgsm = true;
  bool nes = true;
  std::string split = "test";
  std::size_t samples = 0;         // N samples spread evenly over the split (sample k size / N); 0: all
  double nes_sigma = 0.05;         // σ of the Gaussian samples, pixel units
  std::uint32_t nes_pairs = 20;    // antithetic pairs per estimate
  std::uint64_t nes_queries = 500;  // budget per sample and ε
  double nes_step = 0.0;           // α; 0: ε/4
  std::uint32_t examples = 4;      // adversarial examples kept per method and ε
  std::uint64_t seed = 1;
};

struct attack_row {
  std::string method;  // "clean", "fgsm", "nes"
  double eps = 0.0;
  std::size_t samples = 0;
  std::size_t correct = 0;
  std::uint64_t queries = 0;  // simulations run (NES; FGSM: one forward and one check per sample)
  double accuracy() const { return samples ? static_cast<double>(correct) / static_cast<double>(samples) : 0.0; }
};

struct attack_example {
  std::string method;
  double eps = 0.0;
  std::size_t index = 0;
  std::uint32_t label = 0, clean_prediction = 0, prediction = 0;
  std::vector<double> clean, adversarial;
};

struct attack_report {
  std::vector<attack_row> rows;
  std::vector<attack_example> examples;
  std::uint32_t width = 0, height = 0;  // the images' layout (0: unknown)
};

using loss_query = std::function<double(const std::vector<double>&)>;

// Antithetic NES estimate of ∇f at x (2 pairs queries, added to queries).
std::vector<double> nes_gradient(const loss_query& f, const std::vector<double>& x, double sigma,
                                 std::uint32_t pairs, rng& r, std::uint64_t& queries);
// x + step sign(g), then projected into [x0 − ε, x0 + ε] ∩ [0, 1].
std::vector<double> sign_step(const std::vector<double>& x, const std::vector<double>& g, double step,
                              const std::vector<double>& x0, double eps);

}  // namespace evsnn::rules
