#pragma once
// network: the lowered, runnable form of a network description — populations (owned, by id) and
// projections (by id), plus for each population its fan-out groups: the outgoing projections grouped
// by delay, so that one spike makes one queue entry per distinct delay, never one per synapse.
// Invariants after finalize(): population names are unique; every projection's pre/post ids are valid
// and its n_pre/n_post match the populations' sizes; fan-out groups are sorted by delay and hold
// projection ids in ascending order. Adding after finalize() requires another finalize(). Plastic
// rules are added after every projection (they keep references into projections_).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/partition.hpp"
#include "engine/plasticity.hpp"
#include "engine/population.hpp"
#include "engine/projection.hpp"

namespace evsnn {

class network {
 public:
  struct fanout_group {
    double delay_ms = 0.0;
    std::vector<std::uint32_t> projections;
  };

  std::uint32_t add_population(std::unique_ptr<population> pop);
  // Before any projection: puts pop (of the same name) in place of population id (the loader's dealt share).
  void replace_population(std::uint32_t id, std::unique_ptr<population> pop);
  std::uint32_t add_projection(projection proj);
  void finalize();

  std::size_t population_count() const { return populations_.size(); }
  std::size_t projection_count() const { return projections_.size(); }
  population& pop(std::uint32_t id) { return *populations_[id]; }
  const population& pop(std::uint32_t id) const { return *populations_[id]; }
  projection& proj(std::uint32_t id) { return projections_[id]; }
  const projection& proj(std::uint32_t id) const { return projections_[id]; }
  std::optional<std::uint32_t> find_population(const std::string& name) const;
  std::optional<std::uint32_t> find_projection(const std::string& name) const;
  const std::vector<fanout_group>& fanout(std::uint32_t population) const { return fanout_[population]; }
  // Projections whose postsynaptic population is `population`.
  const std::vector<std::uint32_t>& incoming(std::uint32_t population) const { return incoming_[population]; }
  // Plastic rules declared on projections, run by every simulator of this network (in this order).
  void add_plasticity(std::unique_ptr<plasticity> rule) { plasticity_.push_back(std::move(rule)); }
  std::size_t plasticity_count() const { return plasticity_.size(); }
  plasticity& plastic(std::size_t k) { return *plasticity_[k]; }
  const plasticity& plastic(std::size_t k) const { return *plasticity_[k]; }
  // The partition this copy of the network was built for (default: one rank holding everything). A dealt
  // population's object holds this rank's share; projections keep global presynaptic indices (n_pre is the
  // pre population's global size) and this rank's postsynaptic neurons. Set before adding projections.
  void set_partition(partition part, std::vector<std::uint32_t> global_sizes);
  const partition& part() const { return part_; }
  // A population's size over all ranks.
  std::uint32_t global_size(std::uint32_t p) const { return global_sizes_.empty() ? pop(p).size() : global_sizes_[p]; }
  std::size_t neuron_count() const;
  std::size_t synapse_count() const;

  std::uint64_t seed = 0;
  double duration_ms = 0.0;

 private:
  std::vector<std::unique_ptr<population>> populations_;
  std::vector<projection> projections_;
  std::vector<std::unique_ptr<plasticity>> plasticity_;
  std::vector<std::vector<fanout_group>> fanout_;
  std::vector<std::vector<std::uint32_t>> incoming_;
  partition part_;
  std::vector<std::uint32_t> global_sizes_;  // empty: the populations' own sizes
};

}  // namespace evsnn
