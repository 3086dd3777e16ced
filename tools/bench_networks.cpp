#include "tools/bench_networks.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/error.hpp"

namespace evsnn::cli {

std::vector<std::string> bench_network_names() { return {"ff", "recurrent", "recurrent_cuba"}; }

nlohmann::json bench_network(const std::string& name) {
  using nlohmann::json;
  const json lif = {{"tau_mem_ms", 20.0}, {"threshold", 1.0}};
  if (name == "ff") {
    return json{{"format", "evsnn-network/1"},
                {"description", "700-256-256-20 feed-forward lif_alpha network, Poisson input at 10 Hz"},
                {"seed", 1},
                {"duration_ms", 1000.0},
                {"populations",
                 {{{"name", "input"}, {"model", "spike_source"}, {"size", 700}, {"params", {{"rate_hz", 10.0}}}},
                  {{"name", "hidden1"}, {"model", "lif_alpha"}, {"size", 256}, {"params", lif}},
                  {{"name", "hidden2"}, {"model", "lif_alpha"}, {"size", 256}, {"params", lif}},
                  {{"name", "output"}, {"model", "lif_alpha"}, {"size", 20}, {"params", lif}}}},
                {"projections",
                 {{{"pre", "input"}, {"post", "hidden1"}, {"weights", {{"init", "normal"}, {"mean", 0.011}, {"std", 0.1}}}},
                  {{"pre", "hidden1"}, {"post", "hidden2"}, {"weights", {{"init", "normal"}, {"mean", 0.01}, {"std", 0.2}}}},
                  {{"pre", "hidden2"}, {"post", "output"}, {"weights", {{"init", "normal"}, {"mean", 0.02}, {"std", 0.2}}}}}}};
  }
  if (name == "recurrent" || name == "recurrent_cuba") {
    const bool cuba = name == "recurrent_cuba";
    const std::string model = cuba ? "cuba_lif" : "lif_alpha";
    json params = lif;
    if (cuba) params["tau_syn_ms"] = 5.0;
    const json sparse_exc = {{"init", "normal"}, {"mean", 0.1}, {"std", 0.02}, {"p_connect", 0.02}};
    const json sparse_inh = {{"init", "normal"}, {"mean", -1.2}, {"std", 0.05}, {"p_connect", 0.02}};
    return json{{"format", "evsnn-network/1"},
                {"description", fmt::format("4000-neuron recurrent {} network (3200 E, 800 I), 2 % connectivity{}", model,
                                            cuba ? ", tau_syn 5 ms" : "")},
                {"seed", 2},
                {"duration_ms", 1000.0},
                {"populations",
                 {{{"name", "drive"}, {"model", "spike_source"}, {"size", 1000}, {"params", {{"rate_hz", 10.0}}}},
                  {{"name", "exc"}, {"model", model}, {"size", 3200}, {"params", params}},
                  {{"name", "inh"}, {"model", model}, {"size", 800}, {"params", params}}}},
                {"projections",
                 {{{"pre", "drive"}, {"post", "exc"}, {"delay_ms", 1.0}, {"weights", {{"init", "constant"}, {"value", 0.25}, {"p_connect", 0.1}}}},
                  {{"pre", "drive"}, {"post", "inh"}, {"delay_ms", 1.0}, {"weights", {{"init", "constant"}, {"value", 0.25}, {"p_connect", 0.1}}}},
                  {{"pre", "exc"}, {"post", "exc"}, {"delay_ms", 1.5}, {"weights", sparse_exc}},
                  {{"pre", "exc"}, {"post", "inh"}, {"delay_ms", 1.5}, {"weights", sparse_exc}},
                  {{"pre", "inh"}, {"post", "exc"}, {"delay_ms", 1.5}, {"weights", sparse_inh}},
                  {{"pre", "inh"}, {"post", "inh"}, {"delay_ms", 1.5}, {"weights", sparse_inh}}}}};
  }
  throw input_error(fmt::format("unknown benchmark network '{}' (known: {})", name,
                                fmt::join(bench_network_names(), ", ")));
}

}  // namespace evsnn::cli
