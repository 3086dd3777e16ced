#include "tools/train_setup.hpp"

#include <optional>

#include <fmt/format.h>

#include "datasets/dataset_context.hpp"
#include "engine/energy_profile.hpp"
#include "engine/error.hpp"
#include "models/builtin_models.hpp"

namespace evsnn::cli {

rules::trainer make_trainer(const train_overrides& o, rules::train_config& cfg,
                            const std::vector<std::filesystem::path>& profile_dirs) {
  if (o.epochs > 0) cfg.epochs = o.epochs;
  if (o.threads > rules::max_threads)
    throw input_error(fmt::format("--threads: must be in [0, {}] (0: one per core), got {}", rules::max_threads, o.threads));
  if (o.threads > 0) cfg.threads = o.threads;
  if (!o.out_dir.empty()) cfg.output_dir = o.out_dir;
  // The event-driven profile prices evaluation and training passes, the time-stepped one the clocked
  // estimate of training; each must price the execution it is named for.
  auto load = [&](const std::string& name, bool event_driven, const char* key) -> std::optional<energy_profile> {
    if (name.empty()) return std::nullopt;
    energy_profile p = energy_profile::load(find_profile(name, profile_dirs).string());
    if (p.event_driven() != event_driven)
      throw input_error(fmt::format("{}: /energy/{}: profile \"{}\" prices {} runs; expected an {} profile", o.config,
                                    key, name, p.execution(), event_driven ? "event_driven" : "time_stepped"));
    return p;
  };
  std::optional<energy_profile> profile = load(cfg.energy_profile, true, "profile");
  std::optional<energy_profile> stepped = load(cfg.energy_stepped_profile, false, "stepped_profile");
  const std::filesystem::path data_dir = o.data_dir.empty() ? data::find_data_dir() : std::filesystem::path(o.data_dir);
  return rules::trainer(cfg, builtin_model_registry(), data_dir, std::move(profile), std::move(stepped));
}

void resume_training(rules::trainer& tr, const std::string& config) {
  const auto& c = tr.config();
  const std::filesystem::path ckpt = c.output_dir / "checkpoint.evsnn";
  if (!std::filesystem::exists(ckpt))
    throw input_error(fmt::format("{}: --resume: no checkpoint in {}", config, c.output_dir.string()));
  tr.load_checkpoint(ckpt, true);
  if (tr.epochs_done() >= c.epochs)
    throw input_error(fmt::format("{}: --resume: the checkpoint is at epoch {} and the config trains {} epochs: "
                                  "nothing to train (raise --epochs)",
                                  ckpt.string(), tr.epochs_done(), c.epochs));
}

}  // namespace evsnn::cli
