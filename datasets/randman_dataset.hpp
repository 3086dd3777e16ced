#pragma once
// randman_dataset: a Randman training split whose samples are drawn afresh for every draw, from
// the same manifolds (seed 004 regenerates its Randman samples from fixed manifolds for every
// batch). Sample i = s * classes + c of draw d is sample s of class c of population d (see
// randman.hpp; draw 0 is the base population, the data set without resampling), so the trainer's
// draw = epoch + 1 gives every epoch new points x and new rate-code ticks, standardised over
// their own population as the seed does. A class of a draw is generated on first use (by the
// thread that needs it; other classes of the same draw are generated in parallel by other
// threads); draw 0 stays cached, of the others the two most recently opened.
// Invariants: size() == classes * samples_per_class; label(i) == i % classes; load(i, out, d)
// depends only on (options, i, d); load is const and thread-safe.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "datasets/dataset.hpp"
#include "datasets/event_store.hpp"
#include "datasets/randman.hpp"

namespace evsnn::data {

class randman_dataset : public dataset {
 public:
  randman_dataset(randman_options options, std::string description);

  std::size_t size() const override { return static_cast<std::size_t>(options_.classes) * options_.samples_per_class; }
  std::uint32_t classes() const override { return options_.classes; }
  std::uint32_t channels() const override { return options_.neurons; }
  std::uint32_t label(std::size_t i) const override { return static_cast<std::uint32_t>(i % options_.classes); }
  void load(std::size_t i, sample& out, std::uint64_t draw) const override;
  std::string description() const override { return description_; }

 private:
  // One draw's classes, each generated once.
  struct population {
    explicit population(std::uint32_t classes) : once(classes), stores(classes) {}
    std::vector<std::once_flag> once;
    std::vector<std::shared_ptr<const event_store>> stores;
  };
  std::shared_ptr<population> population_of(std::uint64_t draw) const;

  randman_options options_;
  std::string description_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<population> base_;
  mutable std::vector<std::pair<std::uint64_t, std::shared_ptr<population>>> recent_;  // newest last
};

}  // namespace evsnn::data
