// evsnn train CONFIG.json [--resume] [--epochs N] [--threads N] [--out DIR] [--data-dir DIR] [--quiet]
// evsnn eval CONFIG.json --checkpoint FILE [--split test|validation|train] [--limit N] [--json]
// evsnn attack CONFIG.json --checkpoint FILE [--eps LIST] [--methods fgsm,nes] [--samples N] [--nes-...] [--out DIR]
// train: trains the config's network with its rule on its data set (rules/trainer), showing a progress
// bar on a terminal (plain lines otherwise) and writing log.csv, log.json, checkpoint.evsnn and
// network.json (+ weights_*.csv) into the output folder. eval: accuracy, loss, spikes, synaptic events
// and energy per sample of a checkpoint's weights on a split. attack: clean and attacked accuracy per ε (FGSM,
// NES; rules/attack.hpp), queries, adversarial examples as SVG (attack.json, attack.csv, adversarial_*.svg).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "datasets/dataset_context.hpp"
#include "engine/error.hpp"
#include "models/builtin_models.hpp"
#include "engine/svg_writer.hpp"
#include "rules/trainer.hpp"
#include "tools/command.hpp"
#include "tools/energy_report.hpp"
#include "tools/mpi_communicator.hpp"
#include "tools/output_folder.hpp"
#include "tools/train_setup.hpp"

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
  // attack
  rules::attack_options attack;
  std::string methods = "fgsm,nes";
};

std::string pct(double x) { return std::isfinite(x) ? fmt::format("{:.2f}%", 100.0 * x) : std::string("-"); }

// "0 of 400, 12 of 400": per layer of chain (from the first), its silent neurons out of its size; NaN entries
// (a readout) left out.
std::string silent_per_layer(const std::vector<double>& silent, const rules::layer_chain& chain) {
  std::string s;
  for (std::size_t l = 0; l < silent.size(); ++l)
    if (std::isfinite(silent[l]))
      s += fmt::format("{}{:.0f} of {}", s.empty() ? "" : ", ", silent[l], chain.layers[l].size);
  return s;
}

// Over several MPI ranks, "every core" (no threads in the config or on the command line) is this rank's
// part of the machine's cores.
rules::trainer make_trainer(const train_options& o, rules::train_config& cfg, const communicator& comm) {
  const unsigned threads = o.threads == 0 && cfg.threads == 0 && comm.size() > 1 ? threads_per_rank() : o.threads;
  return cli::make_trainer({o.config, o.epochs, threads, o.out_dir, o.data_dir}, cfg, profile_dirs());
}

void train_command(train_options o, communicator& comm) {
  rules::train_config cfg = rules::load_train_config(o.config);
  rules::trainer tr = make_trainer(o, cfg, comm);
  tr.set_communicator(comm);
  o.quiet = o.quiet || !tr.writes_files();  // rank 0 speaks for every rank
  const auto& c = tr.config();
  const std::filesystem::path ckpt = c.output_dir / "checkpoint.evsnn";
  if (o.resume) resume_training(tr, o.config);
  const bool tty = isatty(fileno(stderr)) != 0;
  if (!o.quiet) {
    std::string layers;
    for (const auto& l : tr.chain().layers) layers += fmt::format("-{}", l.size);
    const std::string ranks = comm.size() > 1 ? fmt::format(" in each of {} MPI ranks", comm.size()) : "";
    fmt::print("training {}{} with {} on {} samples, batch {}, {} thread(s){}, epochs {}..{} -> {}\n",
               tr.chain().input_size, layers, tr.rule().name(), tr.train_size(), c.batch_size, tr.threads(), ranks,
               tr.epochs_done() + 1, c.epochs, c.output_dir.string());
    if (tr.busy_threads() < tr.threads())
      fmt::print("note: a batch of {} sample(s){} keeps at most {} of the {} threads training at once; {}evaluation "
                 "and the optimizer step use all of them\n",
                 c.batch_size, comm.size() > 1 ? fmt::format(" over {} ranks", comm.size()) : "", tr.busy_threads(),
                 tr.threads(),
                 tr.lends_idle_threads() ? fmt::format("the others take part of each sample's end ({}), and ",
                                                       tr.rule().name())
                                         : "");
    std::fflush(stdout);
  }
  if (const rules::trainer::output_check& oc = tr.check_active_outputs(); oc.ran && !o.quiet) {
    std::string redrawn;
    for (std::size_t j = 0; j < oc.redraws.size(); ++j)
      if (oc.redraws[j] > 0)
        redrawn += fmt::format("{}{} ({} round(s); spiked in {} before)", redrawn.empty() ? "" : ", ", j, oc.redraws[j],
                               oc.fired_initially[j]);
    const auto least = *std::min_element(oc.fired.begin(), oc.fired.end());
    fmt::print("active outputs: every output neuron spikes in at least {} of the first {} training samples (least: "
               "{}); {}\n",
               oc.needed, oc.samples, least,
               redrawn.empty() ? "no weights redrawn" : "incoming weights redrawn for output neuron(s) " + redrawn);
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
    if (!m.silent_output_neurons.empty() && tr.writes_files()) {
      fmt::print(stderr,
                 "warning: epoch {}: output neuron(s) {} spiked in none of the epoch's training samples; a rule that "
                 "follows spike times gives them no gradient (see \"active_outputs\" in the README)\n",
                 m.epoch, fmt::join(m.silent_output_neurons, ", "));
    }
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
      if (std::isfinite(m.train_energy_per_sample_uj) || std::isfinite(m.train_energy_stepped_per_sample_uj))
        per_sample += fmt::format("; training {:.3g} uJ event-driven, {:.3g} uJ time-stepped per sample",
                                  m.train_energy_per_sample_uj, m.train_energy_stepped_per_sample_uj);
      fmt::print("epoch {}: loss {:.4g}  train {}  test {}  validation {}  {:.1f} s ({:.0f} samples/s){}\n", m.epoch,
                 m.loss, pct(m.train_accuracy), pct(m.test_accuracy), pct(m.validation_accuracy), m.wall_time_s,
                 m.samples_per_s, per_sample);
      if (!m.update_cosine.empty()) {
        std::string s;
        for (double x : m.update_cosine) s += fmt::format(" {:.3f}", x);
        fmt::print("  cos(update, reference gradient) per layer:{}; model-wide {:.3f}\n", s, m.model_cosine);
      }
      if (std::any_of(m.silent_hidden.begin(), m.silent_hidden.end(), [](double x) { return x > 0.0; }))
        fmt::print("  hidden neurons that spiked in none of the epoch's training samples, per hidden layer: {}\n",
                   silent_per_layer(m.silent_hidden, tr.chain()));
      if (!m.feedback_cosine.empty()) {
        std::string s;
        for (double x : m.feedback_cosine) s += fmt::format(" {:.3f}", x);
        fmt::print("  cos(feedback, effective output weights) per hidden layer:{}\n", s);
      }
    }
    std::fflush(stdout);
  };
  tr.train(progress, on_epoch);
  if (!o.quiet && comm.size() > 1)
    fmt::print("MPI: rank 0 took part in {} sums over {} ranks, {:.1f} MB of its own, {:.2f} s in them (waiting "
               "for the slowest rank included)\n",
               tr.traffic().calls, comm.size(), static_cast<double>(tr.traffic().bytes) / 1e6, tr.traffic().seconds);
  if (!o.quiet)
    fmt::print("done: {} epochs; log {}, checkpoint {}, trained network {}\n", tr.epochs_done(),
               (c.output_dir / "log.csv").string(), ckpt.string(), (c.output_dir / "network.json").string());
}

void eval_command(const train_options& o, communicator& comm) {
  rules::train_config cfg = rules::load_train_config(o.config);
  rules::trainer tr = make_trainer(o, cfg, comm);
  tr.set_communicator(comm);
  tr.load_checkpoint(o.checkpoint, false);
  const rules::eval_result r = tr.evaluate(o.split, o.limit);
  if (comm.rank() != 0) return;  // rank 0 prints for every rank
  if (o.json) {
    auto num = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
    nlohmann::json silent = nlohmann::json::array();
    for (double x : r.silent_neurons) silent.push_back(num(x));
    fmt::print("{}\n", nlohmann::json{{"split", o.split},
                                      {"samples", r.samples},
                                      {"accuracy", num(r.accuracy)},
                                      {"loss", num(r.loss)},
                                      {"spikes_per_sample", num(r.spikes_per_sample)},
                                      {"synaptic_events_per_sample", num(r.synaptic_events_per_sample)},
                                      {"energy_per_sample_uj", num(r.energy_per_sample_uj)},
                                      {"energy_profile", tr.config().energy_profile},
                                      {"silent_neurons", silent},
                                      {"wall_time_s", r.wall_time_s}}
                                      .dump(2));
    return;
  }
  fmt::print("{} split, {} samples: accuracy {}, loss {:.4g}\n", o.split, r.samples, pct(r.accuracy), r.loss);
  fmt::print("per sample: {:.1f} spikes, {:.0f} synaptic events, {:.4g} uJ ({} profile)\n", r.spikes_per_sample,
             r.synaptic_events_per_sample, r.energy_per_sample_uj, tr.config().energy_profile);
  if (const std::string silent = silent_per_layer(r.silent_neurons, tr.chain()); !silent.empty())
    fmt::print("neurons that spiked in none of the samples, per spiking layer: {}\n", silent);
  fmt::print("{:.2f} s wall ({:.0f} samples/s)\n", r.wall_time_s, static_cast<double>(r.samples) / r.wall_time_s);
}

// One SVG per (method, ε): each example as clean | adversarial | difference (grey levels; the difference
// red for brighter, blue for darker, full colour at ε).
std::string examples_svg(const rules::attack_report& r, const std::string& method, double eps) {
  std::vector<const rules::attack_example*> ex;
  for (const auto& e : r.examples)
    if (e.method == method && e.eps == eps) ex.push_back(&e);
  const std::uint32_t w = r.width ? r.width : 28, h = r.height ? r.height : 28;
  const double px = 4.0, gap = 16.0, head = 34.0, row_h = h * px + 30.0;
  svg_writer svg(3 * w * px + 4 * gap, head + static_cast<double>(ex.size()) * row_h + gap);
  svg.text(gap, 20, fmt::format("{} eps {}: clean | adversarial | difference", method, eps), "font-size=\"13\"");
  for (std::size_t k = 0; k < ex.size(); ++k) {
    const rules::attack_example& e = *ex[k];
    const double y0 = head + static_cast<double>(k) * row_h;
    svg.text(gap, y0 + 12, fmt::format("sample {}: label {}, clean prediction {}, attacked prediction {}", e.index,
                                       e.label, e.clean_prediction, e.prediction),
             "font-size=\"11\"");
    for (int panel = 0; panel < 3; ++panel) {
      const double x0 = gap + panel * (w * px + gap);
      for (std::uint32_t y = 0; y < h; ++y)
        for (std::uint32_t x = 0; x < w; ++x) {
          const std::size_t c = std::size_t(y) * w + x;
          if (c >= e.clean.size()) continue;
          std::string fill;
          if (panel < 2) {
            const int g = static_cast<int>(std::lround(255.0 * (panel == 0 ? e.clean[c] : e.adversarial[c])));
            fill = fmt::format("rgb({0},{0},{0})", g);
          } else {
            const double d = eps > 0 ? std::clamp((e.adversarial[c] - e.clean[c]) / eps, -1.0, 1.0) : 0.0;
            const int a = static_cast<int>(std::lround(255.0 * (1.0 - std::fabs(d))));
            fill = d >= 0 ? fmt::format("rgb(255,{0},{0})", a) : fmt::format("rgb({0},{0},255)", a);
          }
          svg.rect(x0 + x * px, y0 + 18 + y * px, px, px, fmt::format("fill=\"{}\"", fill));
        }
    }
  }
  return svg.finish();
}

void attack_command(const train_options& o) {
  rules::attack_options a = o.attack;
  a.fgsm = a.nes = false;
  for (std::string_view m : {std::string_view("fgsm"), std::string_view("nes")})
    if (o.methods.find(m) != std::string::npos) (m == "fgsm" ? a.fgsm : a.nes) = true;
  if (!a.fgsm && !a.nes) throw input_error(fmt::format("--methods: expected fgsm, nes or both, got '{}'", o.methods));
  for (double e : a.eps)
    if (!(e >= 0.0 && e <= 1.0)) throw input_error(fmt::format("--eps: each must be in [0, 1] (pixel units), got {}", e));
  if (!(a.nes_sigma > 0.0 && a.nes_sigma <= 1.0))
    throw input_error(fmt::format("--nes-sigma: must be in (0, 1], got {}", a.nes_sigma));
  if (a.nes_pairs == 0) throw input_error("--nes-pairs: must be at least 1");
  rules::train_config cfg = rules::load_train_config(o.config);
  rules::trainer tr = make_trainer(o, cfg, single_process());
  tr.load_checkpoint(o.checkpoint, false);
  a.seed = cfg.seed;
  const std::filesystem::path dir =
      o.out_dir.empty() ? std::filesystem::path(o.checkpoint).parent_path() / "attack" : std::filesystem::path(o.out_dir);
  output_folder out(dir, "attack", {"attack.json", "attack.csv"}, "attack.json");
  const rules::attack_report r = tr.attack(a);
  nlohmann::json rows = nlohmann::json::array();
  std::string csv = "method,eps,samples,correct,accuracy,queries\n";
  for (const rules::attack_row& row : r.rows) {
    rows.push_back({{"method", row.method}, {"eps", row.eps}, {"samples", row.samples}, {"correct", row.correct},
                    {"accuracy", row.accuracy()}, {"queries", row.queries}});
    csv += fmt::format("{},{},{},{},{},{}\n", row.method, row.eps, row.samples, row.correct, row.accuracy(), row.queries);
  }
  std::vector<std::string> figures;
  for (const rules::attack_row& row : r.rows) {
    if (row.method == "clean") continue;
    const std::string name = fmt::format("adversarial_{}_eps{}.svg", row.method, row.eps);
    out.write(name, examples_svg(r, row.method, row.eps));
    figures.push_back(name);
  }
  out.write("attack.csv", csv);
  const nlohmann::json doc = {{"config", o.config},
                              {"checkpoint", o.checkpoint},
                              {"split", a.split},
                              {"rule", tr.rule().name()},
                              {"nes", {{"sigma", a.nes_sigma}, {"pairs", a.nes_pairs}, {"queries_per_sample", a.nes_queries},
                                       {"step", a.nes_step}}},
                              {"rows", rows},
                              {"figures", figures}};
  out.write("attack.json", doc.dump(2) + "\n");
  out.commit();
  if (o.json) {
    fmt::print("{}\n", doc.dump(2));
    return;
  }
  fmt::print("{:<6} {:>6} {:>8} {:>9} {:>10}\n", "method", "eps", "samples", "accuracy", "queries");
  for (const rules::attack_row& row : r.rows)
    fmt::print("{:<6} {:>6} {:>8} {:>9} {:>10}\n", row.method, row.eps, row.samples, pct(row.accuracy()), row.queries);
  fmt::print("wrote {}: attack.json, attack.csv, {} figure(s)\n", dir.string(), figures.size());
}

}  // namespace

void add_train_command(CLI::App& app, communicator& comm) {
  auto o = std::make_shared<train_options>();
  CLI::App* cmd = app.add_subcommand("train", "Train a network on a data set with a learning rule (config JSON)");
  cmd->add_option("config", o->config, "Training config (evsnn-train/1 JSON)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--resume", o->resume, "Continue from the output folder's checkpoint.evsnn");
  cmd->add_option("--epochs", o->epochs, "Train up to this many epochs (overrides the config)");
  cmd->add_option("--threads", o->threads, "Worker threads (default: the config's, 0 = every core)");
  cmd->add_option("--out", o->out_dir, "Output folder (default: the config's output_dir)");
  cmd->add_option("--data-dir", o->data_dir, "Data folder (default: $EVSNN_DATA_DIR or <repo>/data)");
  cmd->add_flag("--quiet", o->quiet, "Print nothing but errors");
  cmd->callback([o, &comm] { train_command(*o, comm); });

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
  ev->callback([e, &comm] { eval_command(*e, comm); });

  auto k = std::make_shared<train_options>();
  CLI::App* at = app.add_subcommand("attack", "Adversarial attacks (FGSM, NES) on a checkpoint's test images");
  at->add_option("config", k->config, "Training config (evsnn-train/1 JSON)")->required()->check(CLI::ExistingFile);
  at->add_option("--checkpoint", k->checkpoint, "checkpoint.evsnn written by evsnn train")
      ->required()
      ->check(CLI::ExistingFile);
  at->add_option("--eps", k->attack.eps, "L-infinity budgets in pixel units, e.g. 0.05,0.1 (default 0.05,0.1,0.2)")
      ->delimiter(',');
  at->add_option("--methods", k->methods,
                 "fgsm (white box: BPTT on the time-stepped twin; li-readout chains, rate code), nes (black box: "
                 "queries of the event simulator), or fgsm,nes (default)");
  at->add_option("--split", k->attack.split, "test (default), validation or train")
      ->check(CLI::IsMember({"test", "validation", "train"}));
  at->add_option("--samples", k->attack.samples, "Attack N samples spread evenly over the split (0 = all)");
  at->add_option("--nes-sigma", k->attack.nes_sigma, "NES: std of the Gaussian probes, pixel units (default 0.05)");
  at->add_option("--nes-pairs", k->attack.nes_pairs, "NES: antithetic pairs per gradient estimate (default 20)");
  at->add_option("--nes-queries", k->attack.nes_queries, "NES: simulations allowed per sample and eps (default 500)");
  at->add_option("--nes-step", k->attack.nes_step, "NES: step of each signed update (default eps/4)");
  at->add_option("--examples", k->attack.examples, "Adversarial examples drawn per method and eps (default 4)");
  at->add_option("--out", k->out_dir, "Output folder (default: <checkpoint folder>/attack)");
  at->add_option("--threads", k->threads, "Worker threads (0 = every core)");
  at->add_option("--data-dir", k->data_dir, "Data folder (default: $EVSNN_DATA_DIR or <repo>/data)");
  at->add_flag("--json", k->json, "Print the report as JSON");
  at->callback([k] { attack_command(*k); });
}

}  // namespace evsnn::cli
