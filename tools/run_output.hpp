#pragma once
// run_output: turns a finished simulation into the files and summaries `evsnn run` produces —
// spikes.csv (time_ms,population,neuron; %.17g), the summary as a table or JSON, readout values of
// non-spiking populations. Files are written atomically.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/simulator.hpp"

namespace evsnn::cli {

void write_spikes_csv(const std::filesystem::path& path, const simulator& sim, network& net);
// Value of every non-spiking (readout) neuron at t_ms: population,neuron,value.
void write_readout_csv(const std::filesystem::path& path, network& net, double t_ms);
nlohmann::json run_summary(const simulator& sim, network& net, double duration_ms, double wall_s);
std::string format_summary(const nlohmann::json& summary);

}  // namespace evsnn::cli
