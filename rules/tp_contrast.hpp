#pragma once
// tp_contrast: traces propagation's layer-wise contrastive loss of one tick over a batch
// (../shared/docs/rules-spec-additions.md §A.1, as the authors' code computes it). For a layer of H neurons
// and B lanes (batch items), with the data-stream traces E (B×H), the label-stream traces Ẽ (B×H) and the
// label-stream traces at the layer's input T (B×K: the λ_t-filtered one-hot for the first layer):
//   D_bb' = ‖T_b − T_b' + 1e-9‖₂ (the 1e-9 inside the difference, as the code's distance),
//   Y = row_softmax(−D),  Z = E Ẽᵀ,  P = row_softmax(Z),
//   L = (1/B) Σ_b Σ_b' −Y_bb' log P_bb'.
// With G = P − Y, dL/dE = G Ẽ / B and dL/dẼ = Gᵀ E / B; tp_contrast writes G Ẽ and Gᵀ E (without the 1/B:
// the trainer's batch mean applies it) and returns L.
// Invariants: all matrices row-major with one row per lane; buffers are resized as needed (no allocation
// once they have reached the batch size).
#include <cstddef>
#include <vector>

#include "rules/worker_pool.hpp"

namespace evsnn::rules {

struct tp_contrast_buffers {
  std::vector<double> y, z;
};

// The O(B² (H + K)) work runs row by row through par (rows of D and Z, of G Ẽ and of Gᵀ E); every sum keeps
// its sequential order, so the result is the same bits for any spread. par = nullptr: sequential.
double tp_contrast(std::size_t B, std::size_t H, std::size_t K, const double* E, const double* Et,
                   const double* T, double* coef, double* coef_t, tp_contrast_buffers& buf,
                   const parallel_rows* par = nullptr);

// Row-wise softmax of an n×m row-major matrix, in place (the maximum subtracted first).
void softmax_rows(std::size_t n, std::size_t m, double* a);

}  // namespace evsnn::rules
