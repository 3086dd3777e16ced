// evsnn train CONFIG.json [--resume] [--epochs N] [--threads N] [--out DIR] [--data-dir DIR] [--quiet]
// evsnn eval CONFIG.json --checkpoint FILE [--split test|validation|train] [--limit N] [--json]
// train: trains the config's network with its rule on its data set (rules/trainer), showing a progress
// bar on a terminal (plain lines otherwise) and writing log.csv, log.json, checkpoint.evsnn and
// network.json (+ weights_*.csv) into the output folder. eval: accuracy, loss, spikes, synaptic events
// and energy per sample of a checkpoint's weights on a split.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "datasets/dataset_context.hpp"
#include "engine/error.hpp"
#include "models/builtin_models.hpp"
#include "rules/trainer.hpp"
#include "tools/command.hpp"
#include "tools/energy_report.hpp"

namespace evsnn::cli {

namespace {

struct train_options {
  std::string config;
  bool resume = false;
  std::uint64_t epochs = 0;
  unsigned threads = 0;
  std::string out_dir;
  std::string data_dir;
  bool quiet = false;
  // eval
  std::string checkpoint;
  std::string split = "test";
  std::size_t limit = 0;
  bool json = false;
};

std::string pct(double x) { return std::isfinite(x) ? fmt::format("{:.2f}%", 100.0 * x) : std::string("-"); }

rules::trainer make_trainer(const train_options& o, rules::train_config& cfg) {
  if (o.epochs > 0) cfg.epochs = o.epochs;
  if (o.threads > rules::max_threads)
    throw input_error(fmt::format("--threads: must be in [0, {}] (0: one per core), got {}", rules::max_threads, o.threads));
  if (o.threads > 0) cfg.threads = o.threads;
  if (!o.out_dir.empty()) cfg.output_dir = o.out_dir;
  std::optional<energy_profile> profile;
  if (!cfg.energy_profile.empty())
    profile = energy_profile::load(find_profile(cfg.energy_profile, profile_dirs()).string());
  const std::filesystem::path data_dir = o.data_dir.empty() ? data::find_data_dir() : std::filesystem::path(o.data_dir);
  return rules::trainer(cfg, builtin_model_registry(), data_dir, std::move(profile));
}

void train_command(const train_options& o) {
  rules::train_config cfg = rules::load_train_config(o.config);
  rules::trainer tr = make_trainer(o, cfg);
  const auto& c = tr.config();
  const std::filesystem::path ckpt = c.output_dir / "checkpoint.evsnn";
  if (o.resume) {
    if (!std::filesystem::exists(ckpt))
      throw input_error(fmt::format("{}: --resume: no checkpoint in {}", o.config, c.output_dir.string()));
    tr.load_checkpoint(ckpt, true);
    if (tr.epochs_done() >= c.epochs)
      throw input_error(fmt::format("{}: --resume: the checkpoint is at epoch {} and the config trains {} epochs: "
                                    "nothing to train (raise --epochs)",
                                    ckpt.string(), tr.epochs_done(), c.epochs));
  }
  const bool tty = isatty(fileno(stderr)) != 0;
  if (!o.quiet) {
    std::string layers;
    for (const auto& l : tr.chain().layers) layers += fmt::format("-{}", l.size);
    fmt::print("training {}{} with {} on {} samples, batch {}, {} thread(s), epochs {}..{} -> {}\n",
               tr.chain().input_size, layers, tr.rule().name(), tr.train_size(), c.batch_size, tr.threads(),
               tr.epochs_done() + 1, c.epochs, c.output_dir.string());
    std::fflush(stdout);
  }
  const auto started = std::chrono::steady_clock::now();
  auto last_line = started;
  auto progress = [&](std::uint64_t epoch, std::size_t done, std::size_t total, double loss, double acc) {
    if (o.quiet) return;
    const auto now = std::chrono::steady_clock::now();
    if (tty) {
      if (done != total && now - last_line < std::chrono::milliseconds(200)) return;
      last_line = now;
      const int width = 30;
      const int fill = static_cast<int>(width * static_cast<double>(done) / static_cast<double>(total));
      fmt::print(stderr, "\repoch {}/{} [{}{}] {}/{} batches  loss {:.4g}  train acc {}   ", epoch, c.epochs,
                 std::string(static_cast<std::size_t>(fill), '#'), std::string(static_cast<std::size_t>(width - fill), '.'),
                 done, total, loss, pct(acc));
      if (done == total) fmt::print(stderr, "\r{}\r", std::string(100, ' '));
      std::fflush(stderr);
    } else if (now - last_line > std::chrono::seconds(30) && done != total) {
      last_line = now;
      fmt::print("  epoch {} batch {}/{}  loss {:.4g}  train acc {}\n", epoch, done, total, loss, pct(acc));
      std::fflush(stdout);
    }
  };
  auto on_epoch = [&](const rules::epoch_metrics& m) {
    if (o.quiet) return;
    if (m.epoch == 0) {
      fmt::print("epoch 0 (untrained): test {}  validation {}\n", pct(m.test_accuracy), pct(m.validation_accuracy));
    } else {
      // Per-test-sample figures, each only when it was measured.
      std::string per_sample;
      const auto add = [&per_sample](const std::string& part) { per_sample += (per_sample.empty() ? "  " : ", ") + part; };
      if (std::isfinite(m.spikes_per_sample)) add(fmt::format("{:.0f} spikes", m.spikes_per_sample));
      if (std::isfinite(m.synaptic_events_per_sample)) add(fmt::format("{:.0f} syn events", m.synaptic_events_per_sample));
      if (std::isfinite(m.energy_per_sample_uj)) add(fmt::format("{:.3g} uJ", m.energy_per_sample_uj));
      if (!per_sample.empty()) per_sample += " per test sample";
      fmt::print("epoch {}: loss {:.4g}  train {}  test {}  validation {}  {:.1f} s ({:.0f} samples/s){}\n", m.epoch,
                 m.loss, pct(m.train_accuracy), pct(m.test_accuracy), pct(m.validation_accuracy), m.wall_time_s,
                 m.samples_per_s, per_sample);
      if (!m.update_cosine.empty()) {
        std::string s;
        for (double x : m.update_cosine) s += fmt::format(" {:.3f}", x);
        fmt::print("  cos(update, reference gradient) per layer:{}; model-wide {:.3f}\n", s, m.model_cosine);
      }
      if (!m.feedback_cosine.empty()) {
        std::string s;
        for (double x : m.feedback_cosine) s += fmt::format(" {:.3f}", x);
        fmt::print("  cos(feedback, effective output weights) per hidden layer:{}\n", s);
      }
    }
    std::fflush(stdout);
  };
  tr.train(progress, on_epoch);
  if (!o.quiet)
    fmt::print("done: {} epochs; log {}, checkpoint {}, trained network {}\n", tr.epochs_done(),
               (c.output_dir / "log.csv").string(), ckpt.string(), (c.output_dir / "network.json").string());
}

void eval_command(const train_options& o) {
  rules::train_config cfg = rules::load_train_config(o.config);
  rules::trainer tr = make_trainer(o, cfg);
  tr.load_checkpoint(o.checkpoint, false);
  const rules::eval_result r = tr.evaluate(o.split, o.limit);
  if (o.json) {
    auto num = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
    fmt::print("{}\n", nlohmann::json{{"split", o.split},
                                      {"samples", r.samples},
                                      {"accuracy", num(r.accuracy)},
                                      {"loss", num(r.loss)},
                                      {"spikes_per_sample", num(r.spikes_per_sample)},
                                      {"synaptic_events_per_sample", num(r.synaptic_events_per_sample)},
                                      {"energy_per_sample_uj", num(r.energy_per_sample_uj)},
                                      {"energy_profile", tr.config().energy_profile},
                                      {"wall_time_s", r.wall_time_s}}
                                      .dump(2));
    return;
  }
  fmt::print("{} split, {} samples: accuracy {}, loss {:.4g}\n", o.split, r.samples, pct(r.accuracy), r.loss);
  fmt::print("per sample: {:.1f} spikes, {:.0f} synaptic events, {:.4g} uJ ({} profile)\n", r.spikes_per_sample,
             r.synaptic_events_per_sample, r.energy_per_sample_uj, tr.config().energy_profile);
  fmt::print("{:.2f} s wall ({:.0f} samples/s)\n", r.wall_time_s, static_cast<double>(r.samples) / r.wall_time_s);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<train_options>();
  CLI::App* cmd = app.add_subcommand("train", "Train a network on a data set with a learning rule (config JSON)");
  cmd->add_option("config", o->config, "Training config (evsnn-train/1 JSON)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--resume", o->resume, "Continue from the output folder's checkpoint.evsnn");
  cmd->add_option("--epochs", o->epochs, "Train up to this many epochs (overrides the config)");
  cmd->add_option("--threads", o->threads, "Worker threads (default: the config's, 0 = every core)");
  cmd->add_option("--out", o->out_dir, "Output folder (default: the config's output_dir)");
  cmd->add_option("--data-dir", o->data_dir, "Data folder (default: $EVSNN_DATA_DIR or <repo>/data)");
  cmd->add_flag("--quiet", o->quiet, "Print nothing but errors");
  cmd->callback([o] { train_command(*o); });

  auto e = std::make_shared<train_options>();
  CLI::App* ev = app.add_subcommand("eval", "Evaluate a checkpoint of a training config on a data split");
  ev->add_option("config", e->config, "Training config (evsnn-train/1 JSON)")->required()->check(CLI::ExistingFile);
  ev->add_option("--checkpoint", e->checkpoint, "checkpoint.evsnn written by evsnn train")
      ->required()
      ->check(CLI::ExistingFile);
  ev->add_option("--split", e->split, "test (default), validation or train")
      ->check(CLI::IsMember({"test", "validation", "train"}));
  ev->add_option("--limit", e->limit, "Evaluate only the first N samples (0 = all)");
  ev->add_option("--threads", e->threads, "Worker threads (0 = every core)");
  ev->add_option("--data-dir", e->data_dir, "Data folder (default: $EVSNN_DATA_DIR or <repo>/data)");
  ev->add_flag("--json", e->json, "Print JSON");
  ev->callback([e] { eval_command(*e); });
}

}  // namespace evsnn::cli
