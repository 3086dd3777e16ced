#include "engine/network.hpp"

#include <algorithm>
#include <stdexcept>

namespace evsnn {

std::uint32_t network::add_population(std::unique_ptr<population> pop) {
  if (find_population(pop->name())) throw std::invalid_argument("network: duplicate population " + pop->name());
  populations_.push_back(std::move(pop));
  return static_cast<std::uint32_t>(populations_.size() - 1);
}

void network::replace_population(std::uint32_t id, std::unique_ptr<population> pop) {
  if (!projections_.empty() || pop->name() != populations_.at(id)->name())
    throw std::logic_error("network: a population is replaced by its namesake, before any projection");
  populations_[id] = std::move(pop);
}

void network::set_partition(partition part, std::vector<std::uint32_t> global_sizes) {
  if (!projections_.empty() || global_sizes.size() != populations_.size())
    throw std::logic_error("network: the partition is set before any projection, with every population's size");
  part_ = std::move(part);
  global_sizes_ = std::move(global_sizes);
}

std::uint32_t network::add_projection(projection proj) {
  if (proj.pre_population() >= populations_.size() || proj.post_population() >= populations_.size())
    throw std::invalid_argument("network: projection " + proj.name() + " names an unknown population");
  if (proj.n_pre() != global_size(proj.pre_population()) || proj.n_post() != pop(proj.post_population()).size())
    throw std::invalid_argument("network: projection " + proj.name() + " does not match population sizes");
  projections_.push_back(std::move(proj));
  return static_cast<std::uint32_t>(projections_.size() - 1);
}

void network::finalize() {
  fanout_.assign(populations_.size(), {});
  incoming_.assign(populations_.size(), {});
  for (std::uint32_t p = 0; p < projections_.size(); ++p) {
    const projection& pr = projections_[p];
    incoming_[pr.post_population()].push_back(p);
    auto& groups = fanout_[pr.pre_population()];
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const fanout_group& g) { return g.delay_ms == pr.delay_ms(); });
    if (it == groups.end()) {
      groups.push_back({pr.delay_ms(), {}});
      it = groups.end() - 1;
    }
    it->projections.push_back(p);
  }
  for (auto& groups : fanout_)
    std::sort(groups.begin(), groups.end(),
              [](const fanout_group& a, const fanout_group& b) { return a.delay_ms < b.delay_ms; });
}

std::optional<std::uint32_t> network::find_population(const std::string& name) const {
  for (std::uint32_t i = 0; i < populations_.size(); ++i)
    if (populations_[i]->name() == name) return i;
  return std::nullopt;
}

std::optional<std::uint32_t> network::find_projection(const std::string& name) const {
  for (std::uint32_t k = 0; k < projections_.size(); ++k)
    if (projections_[k].name() == name) return k;
  return std::nullopt;
}

std::size_t network::neuron_count() const {
  std::size_t n = 0;
  for (const auto& p : populations_) n += p->size();
  return n;
}

std::size_t network::synapse_count() const {
  std::size_t n = 0;
  for (const auto& p : projections_) n += p.synapse_count();
  return n;
}

}  // namespace evsnn
