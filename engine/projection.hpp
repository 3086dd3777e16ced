#pragma once
// projection: the synapses from one population to another (or to itself), stored CSR by presynaptic
// neuron (contiguous post indices and double weights per row) with a transposed index (synapse ids per
// postsynaptic neuron) for post-spike rule updates, one delay for the whole projection, and
// per-synapse columns (double) that learning rules ask for by name. Weights are the user's numbers
// (double) unless the projection was built with float32 precision: then every stored weight is a
// float32 value (rounded to nearest on load and on every write through set_weight or round_weights),
// as a single-precision simulator would hold it.
// Invariants: row_ptr_ has n_pre+1 entries, non-decreasing, row_ptr_.back() == synapse count; within a
// row, post indices are ascending (ties kept in input order: multapses are allowed); post < n_post;
// delay_ms >= 0 and finite; every column has one value per synapse; with float32 precision every weight
// is representable as a float (after round_weights when a rule wrote the array directly); dense() is
// true exactly when every row holds all n_post targets 0..n_post-1 once, so delivery can skip the index. The weights live in the
// projection's own array, or in an array shared with other copies of the network (share_weights), which
// then must outlive it. Not copyable (the weights view would point into the original).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace evsnn {

struct synapse_triplet {
  std::uint32_t pre = 0;
  std::uint32_t post = 0;
  double weight = 0.0;
};

class projection {
 public:
  struct row_view {
    std::span<const std::uint32_t> post;  // target neurons
    std::span<double> weights;            // one per target, mutable by rules
    std::uint32_t first_synapse = 0;      // synapse id of the row's first entry
  };

  // Builds the CSR arrays from triplets in any order (sorted stably by (pre, post)).
  projection(std::string name, std::uint32_t pre_population, std::uint32_t post_population, std::uint32_t n_pre,
             std::uint32_t n_post, double delay_ms, bool graded, std::vector<synapse_triplet> synapses,
             bool float32 = false);
  projection(const projection&) = delete;
  projection& operator=(const projection&) = delete;
  projection(projection&&) = default;  // the own array's buffer moves with it: the view stays valid
  projection& operator=(projection&&) = default;

  const std::string& name() const { return name_; }
  std::uint32_t pre_population() const { return pre_population_; }
  std::uint32_t post_population() const { return post_population_; }
  std::uint32_t n_pre() const { return n_pre_; }
  std::uint32_t n_post() const { return n_post_; }
  double delay_ms() const { return delay_ms_; }
  // A graded projection multiplies each weight by the spike's grade (a MAC instead of an AC).
  bool graded() const { return graded_; }
  bool dense() const { return dense_; }
  std::size_t synapse_count() const { return post_.size(); }
  std::uint32_t fan_out(std::uint32_t pre) const { return row_ptr_[pre + 1] - row_ptr_[pre]; }

  row_view row(std::uint32_t pre) {
    const std::uint32_t b = row_ptr_[pre], e = row_ptr_[pre + 1];
    return {std::span<const std::uint32_t>(post_.data() + b, e - b), std::span<double>(weights_.data() + b, e - b), b};
  }
  // Synapse ids that end on neuron `post` (ascending).
  std::span<const std::uint32_t> incoming(std::uint32_t post) const {
    return {in_synapse_.data() + in_ptr_[post], in_ptr_[post + 1] - in_ptr_[post]};
  }
  std::uint32_t pre_of(std::uint32_t synapse) const { return pre_of_[synapse]; }
  std::uint32_t post_of(std::uint32_t synapse) const { return post_[synapse]; }
  std::span<double> weights() { return weights_; }
  std::span<const double> weights() const { return weights_; }
  double weight(std::uint32_t synapse) const { return weights_[synapse]; }
  // True when weights are held at float32 precision (the network's or projection's "weight_precision").
  bool float32() const { return float32_; }
  // w as this projection stores it: unchanged, or rounded to the nearest float32.
  double stored(double w) const { return float32_ ? static_cast<double>(static_cast<float>(w)) : w; }
  void set_weight(std::uint32_t synapse, double w) { weights_[synapse] = stored(w); }
  // After a rule or trainer wrote weights() directly: rounds every weight to the stored precision
  // (nothing to do at float64).
  void round_weights();

  // From now on delivery and rules read and write `storage` instead of the projection's own weights (the
  // copies of a network that a trainer keeps in step share one array); its values are not changed.
  // storage must hold synapse_count() values and outlive the projection; refused (std::logic_error) for a
  // storage of the wrong size.
  void share_weights(std::span<double> storage);

  // Per-synapse columns for learning rules: add_column returns the column's index; asking twice for
  // the same name returns the same column.
  std::size_t add_column(const std::string& name, double initial = 0.0);
  std::span<double> column(std::size_t index) { return columns_[index]; }

 private:
  std::string name_;
  std::uint32_t pre_population_, post_population_, n_pre_, n_post_;
  double delay_ms_;
  bool graded_;
  bool dense_ = false;
  std::vector<std::uint32_t> row_ptr_;
  std::vector<std::uint32_t> post_;
  bool float32_ = false;
  std::vector<double> own_weights_;
  std::span<double> weights_;  // own_weights_, or the shared array
  std::vector<std::uint32_t> pre_of_;
  std::vector<std::uint32_t> in_ptr_;
  std::vector<std::uint32_t> in_synapse_;
  std::vector<std::string> column_names_;
  std::vector<std::vector<double>> columns_;
};

}  // namespace evsnn
