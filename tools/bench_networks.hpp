#pragma once
// bench_networks: the standard networks that `evsnn bench` and tests/bench time, as network JSON
// documents, so the same networks can be exported (examples/) and run by other simulators.
//  - "ff":  700-256-256-20 lif_alpha feed-forward, Poisson input at 10 Hz, 1 s (dense layers).
//  - "recurrent": 3200 excitatory + 800 inhibitory lif_alpha, 2 % connectivity in all four
//    directions, 1.5 ms delays, driven by 1000 Poisson inputs at 10 Hz (10 % connectivity), 1 s.
//  - "recurrent_cuba": the same with cuba_lif neurons (exponential synaptic current, tau_syn 5 ms), whose
//    crossings have no closed form.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evsnn::cli {

std::vector<std::string> bench_network_names();
// Throws input_error for an unknown name.
nlohmann::json bench_network(const std::string& name);

}  // namespace evsnn::cli
