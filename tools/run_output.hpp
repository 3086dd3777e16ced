#pragma once
// run_output: turns a finished simulation into the files and summaries `evsnn run` produces —
// spikes.csv (time_ms,population,neuron; %.17g), the summary as a table or JSON, readout values of
// non-spiking populations. Files are written atomically.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/simulator.hpp"

namespace evsnn::cli {

// With sample_ends (spike counts at each sample's end, from presenting a data set), a leading
// `sample` column is written: sample,time_ms,population,neuron.
void write_spikes_csv(const std::filesystem::path& path, const simulator& sim, network& net,
                      const std::vector<std::size_t>& sample_ends = {});
// sample,label,spikes for a data set run.
void write_samples_csv(const std::filesystem::path& path, const simulator& sim,
                       const std::vector<std::size_t>& sample_ends, const std::vector<std::uint32_t>& labels);
// Value of every non-spiking (readout) neuron at t_ms: population,neuron,value.
void write_readout_csv(const std::filesystem::path& path, network& net, double t_ms);
nlohmann::json run_summary(const simulator& sim, network& net, double duration_ms, double wall_s);
std::string format_summary(const nlohmann::json& summary);

}  // namespace evsnn::cli
