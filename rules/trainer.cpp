#include "rules/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include "engine/array_cache.hpp"
#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "engine/memory_budget.hpp"
#include "engine/network_loader.hpp"
#include "engine/presenter.hpp"
#include "engine/rng.hpp"
#include "rules/alignment.hpp"
#include "rules/checkpoint.hpp"
#include "rules/output_monitor.hpp"
#include "rules/plasticity_rules.hpp"
#include "rules/streams.hpp"
#include "rules/trainer_worker.hpp"
#include "rules/training_energy.hpp"

namespace evsnn::rules {

trainer::trainer(train_config cfg, const model_registry& models, std::filesystem::path data_dir,
                 std::optional<energy_profile> profile, std::optional<energy_profile> stepped_profile)
    : cfg_(std::move(cfg)),
      data_dir_(std::move(data_dir)),
      profile_(std::move(profile)),
      stepped_profile_(std::move(stepped_profile)) {
  data::dataset_context ctx;
  ctx.base_dir = cfg_.base_dir;
  ctx.data_dir = data_dir_;
  ctx.file = cfg_.file + ": /dataset";
  splits_ = data::open_dataset_splits(cfg_.dataset, ctx);
  const json_node root(cfg_.doc, cfg_.file);
  loss_ = make_loss(cfg_.loss, cfg_.file + ": /loss");
  optimizer_ = make_optimizer(cfg_.optimizer, cfg_.file + ": /optimizer");
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned n_threads = std::min(std::max(1u, cfg_.threads > 0 ? cfg_.threads : cores), std::max(8u, 4 * cores));
  const plasticity_registry plastic_rules = builtin_plasticity_registry();
  array_cache arrays;  // the network's array files, read once for all copies
  for (unsigned t = 0; t < n_threads; ++t) workers_.push_back(build_copy(models, plastic_rules, n_threads, arrays));
  pool_ = std::make_unique<worker_pool>(n_threads);
  const layer_chain& ch = workers_[0]->chain;
  const std::uint32_t classes = splits_.train->classes();
  if (ch.output().size < classes)
    throw input_error(fmt::format("{}: output layer '{}' has {} neurons but the data set has {} classes", cfg_.file,
                                  ch.output().name, ch.output().size, classes));
  if (splits_.train->channels() > ch.input_size)
    throw input_error(fmt::format("{}: the data set has {} channels but the input population has {} neurons",
                                  cfg_.file, splits_.train->channels(), ch.input_size));
  const loss_input in = loss_->input();
  // A rule that computes its loss reads the output itself (and checks it).
  if (!loss_->computed_by_rule() && (in == loss_input::readout) != ch.output().readout)
    throw input_error(fmt::format("{}: /loss: {} reads {}, but the output layer '{}' is {}", cfg_.file,
                                  loss_->name(), in == loss_input::readout ? "a readout" : "spikes", ch.output().name,
                                  ch.output().readout ? "an li readout" : "spiking"));
  rule_ = make_rule(root.at("rule"), ch, in, cfg_.seed);
  rule_->set_parallel_rows(block_rows());
  if (rule_->splits_passes() && rule_->passes_per_sample() > 1 && pool_->size() > 1) {
    pass_slots_ = std::vector<pass_slot>(std::max<std::size_t>(cfg_.batch_size, 1));
    for (pass_slot& slot : pass_slots_) slot.records.resize(rule_->passes_per_sample());
  }
  task_cost_.assign(splits_.train->size() * tasks_per_sample(), 0);
  dispatch_.reserve(std::max<std::size_t>(cfg_.batch_size, 1) * tasks_per_sample());
  dispatch_costs_.reserve(dispatch_.capacity());
  if (cfg_.batch_size < rule_->min_batch_size())
    throw input_error(fmt::format("{}: /batch_size: rule {} learns from a batch of at least {} samples, got {}",
                                  cfg_.file, rule_->name(), rule_->min_batch_size(), cfg_.batch_size));
  if (rule_->online_step_ms() > 0.0) {
    // Online rules run a batch's samples in lockstep: one network copy per sample of a batch.
    if (cfg_.alignment_every > 0)
      throw input_error(fmt::format("{}: /alignment: update alignment is measured in offline mode (rule {} has "
                                    "\"mode\": \"online\")",
                                    cfg_.file, rule_->name()));
    while (workers_.size() < cfg_.batch_size)
      workers_.push_back(build_copy(models, plastic_rules, std::max<std::size_t>(n_threads, cfg_.batch_size), arrays));
  }
  if (loss_->computed_by_rule() != rule_->computes_loss())
    throw input_error(fmt::format("{}: /loss: {}", cfg_.file,
                                  rule_->computes_loss()
                                      ? fmt::format("rule {} computes its own per-tick loss: use \"loss\": \"tick_ce\"",
                                                    rule_->name())
                                      : fmt::format("{} is computed by the rules that run their own per-tick loss "
                                                    "(ottt, ostl, otpe, approx_otpe, f_otpe, f_approx_otpe, bptt, tp, "
                                                    "eprop), not by rule {}",
                                                    loss_->name(), rule_->name())));
  if (cfg_.alignment_every > 0) {
    // The reference rule, from the registry; none when it is the trained rule itself (nothing to compare).
    const auto al = root.get("alignment");
    // Unnamed, the reference is exact BP for continuous-time chains and BPTT for discrete-tick ones.
    if (rule_->computes_loss() && !(al && al->has("reference"))) cfg_.alignment_reference = "bptt";
    const json_node spec = al && al->has("reference") ? al->at("reference")
                                                      : json_node(cfg_.alignment_reference, cfg_.file, "/alignment/reference");
    reference_ = make_rule(spec, ch, in, cfg_.seed);
    reference_->set_parallel_rows(block_rows());
    if (std::string_view(reference_->name()) == rule_->name() && reference_->describe() == rule_->describe())
      reference_.reset();
  }
  if (rule_->shares_sample_rows() && rule_->online_step_ms() <= 0.0 && pool_->size() > 1)
    helpers_ = std::make_unique<sample_helpers>(pool_->size());
  for (auto& w : workers_) {
    w->rule = rule_->make_worker(*w->sim, w->chain);
    if (helpers_)
      w->rule->set_sample_rows([h = helpers_.get()](std::size_t rows, index_fn row) { h->run_rows(rows, row); });
    // An online rule's lanes add into the trainer's per-thread lockstep sums, never into their own.
    if (rule_->online_step_ms() <= 0.0) w->sums = rule_->make_sums();
    if (reference_) {
      w->reference = reference_->make_worker(*w->sim, w->chain);
      w->reference->set_learning(false);
      w->ref_sums = reference_->make_sums();
    }
    w->grad.assign(ch.output().size, 0.0);
    w->fired.assign(ch.output().readout ? 0 : ch.output().size, 0);
  }
  prepare_active_outputs();
  gatherer_ = std::make_unique<sum_gatherer>(rule_->make_sums(), pool_->size());
  if (reference_) ref_gatherer_ = std::make_unique<sum_gatherer>(reference_->make_sums(), pool_->size());
  std::vector<std::size_t> sizes;
  for (const trained_block& b : ch.blocks) {
    const auto wts = b.bias ? workers_[0]->net->pop(ch.layers[b.layer].population).trainable()->bias_values()
                            : workers_[0]->net->proj(b.projection).weights();
    master_.emplace_back(wts.begin(), wts.end());
    float32_layers_.push_back(!b.bias && workers_[0]->net->proj(b.projection).float32());
    sizes.push_back(wts.size());
  }
  // Every copy of the network trains on the master weights themselves: an optimizer step reaches all of
  // them at once (no copies to broadcast, and one array per layer in memory however many copies run) —
  // unless the rule writes weights during a sample, when each copy keeps its own. Biases are the models'
  // own: always broadcast.
  shared_weights_ = !rule_->writes_weights();
  if (shared_weights_)
    for (auto& w : workers_)
      for (std::size_t l = 0; l < master_.size(); ++l)
        if (!w->chain.blocks[l].bias) w->net->proj(w->chain.blocks[l].projection).share_weights(master_[l]);
  optimizer_->bind(sizes);
  cut_step_chunks();
}

trainer::~trainer() = default;

void trainer::broadcast_weights(double t_ms) {
  for (auto& w : workers_)
    for (std::size_t l = 0; l < master_.size(); ++l) {
      const trained_block& b = w->chain.blocks[l];
      if (b.bias) {
        w->net->pop(w->chain.layers[b.layer].population).trainable()->set_bias(master_[l],
                                                                               t_ms >= 0.0 ? t_ms : w->sim->now());
      } else if (!shared_weights_) {
        auto dst = w->net->proj(b.projection).weights();
        std::copy(master_[l].begin(), master_[l].end(), dst.begin());
      }
    }
}

std::unique_ptr<trainer::worker> trainer::build_copy(const model_registry& models,
                                                     const plasticity_registry& plastic_rules, std::size_t copies,
                                                     array_cache& arrays) {
  auto w = std::make_unique<worker>();
  w->net = build_network(cfg_.network, cfg_.network_file, cfg_.network_dir, models, &plastic_rules, nullptr, &arrays);
  if (workers_.empty() || workers_.size() + 1 == copies) {
    // Every copy of the network (one per thread, or per sample of a batch for online rules) is held at
    // once: refuse before building copies that cannot fit.
    const double copy_bytes = memory_budget::network_bytes(static_cast<double>(w->net->neuron_count()),
                                                           static_cast<double>(w->net->synapse_count()));
    const double limit = static_cast<double>(usable_memory_bytes());
    if (copy_bytes * static_cast<double>(copies) > limit)
      throw input_error(fmt::format("{}: {} copies of the network (one per {}) need about {}, more than the {} this "
                                    "process may use; use {}",
                                    cfg_.file, copies, workers_.empty() ? "thread" : "sample of a batch",
                                    format_bytes(copy_bytes * static_cast<double>(copies)), format_bytes(limit),
                                    workers_.empty() ? "fewer threads (/threads)" : "a smaller /batch_size"));
  }
  if (w->net->plasticity_count() > 0)
    throw input_error(fmt::format(
        "{}: /projections/{}/plasticity: evsnn train runs the config's rule, not plasticity declared on the "
        "network; train it with \"rule\": {{\"type\": \"local\", \"plasticity\": {{...}}}} or run the "
        "network with evsnn run --data",
        cfg_.network_file, w->net->plastic(0).projection()));
  w->sim = std::make_unique<simulator>(*w->net, w->net->seed);
  w->sim->record_spikes(false);
  w->chain = find_layer_chain(*w->net, cfg_.network_file, cfg_.train_bias);
  w->pres = std::make_unique<presenter>(*w->sim, w->chain.input, state_policy::reset);
  w->monitor.bind(*w->sim, w->chain);
  w->hidden.bind(*w->sim, w->chain);
  return w;
}

const layer_chain& trainer::chain() const { return workers_[0]->chain; }
unsigned trainer::threads() const { return pool_->size(); }
std::size_t trainer::busy_threads() const {
  const std::size_t ranks = comm_ == nullptr ? 1 : static_cast<std::size_t>(comm_->size());
  return pool_->tasks_for((cfg_.batch_size + ranks - 1) / ranks * tasks_per_sample());
}
std::size_t trainer::train_size() const { return splits_.train->size(); }

eval_result trainer::evaluate(const std::string& split, std::size_t limit) {
  std::shared_ptr<const data::dataset> ds = split == "test"         ? splits_.test
                                            : split == "validation" ? splits_.validation
                                                                    : splits_.train;
  if (!ds) throw input_error(fmt::format("{}: /dataset: the data set has no {} split", cfg_.file, split));
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t n = limit > 0 ? std::min(limit, ds->size()) : ds->size();
  std::vector<std::size_t> idx(n);
  for (std::size_t i = 0; i < n; ++i) idx[i] = i;
  batch_stats stats;
  const std::uint64_t uid = split == "test" ? streams::test_samples : streams::evaluation_samples;
  run_parallel(rank_share(idx), *ds, false, 0, uid, stats);
  sum_over_ranks(stats);
  eval_result r;
  r.samples = n;
  if (n == 0) return r;
  const double dn = static_cast<double>(n);
  r.loss = stats.loss_sum.get() / dn;
  r.accuracy = static_cast<double>(stats.correct) / dn;
  std::uint64_t spikes = 0, syn = 0;
  for (const layer_info& l : chain().layers) {
    spikes += stats.counters.populations[l.population].spikes;
    syn += stats.counters.projections[l.projection].synaptic_events +
           stats.counters.projections[l.projection].graded_events;
    if (l.recurrent != layer_info::no_projection)
      syn += stats.counters.projections[l.recurrent].synaptic_events +
             stats.counters.projections[l.recurrent].graded_events;
  }
  r.spikes_per_sample = static_cast<double>(spikes) / dn;
  r.silent_neurons = workers_[0]->hidden.silent(stats.hidden_spikes);
  r.silent_neurons.push_back(chain().output().readout
                                 ? not_measured
                                 : static_cast<double>(std::count(stats.fired.begin(), stats.fired.end(), 0)));
  r.synaptic_events_per_sample = static_cast<double>(syn) / dn;
  if (profile_) {
    const op_counts c = event_driven_op_counts(stats.counters, stats.steps * chain().neuron_count(), 0);
    r.energy_per_sample_uj = profile_->total_pj(c) * 1e-6 / dn;
  }
  r.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

epoch_metrics trainer::evaluate_epoch(std::uint64_t epoch) {
  epoch_metrics m;
  m.epoch = epoch;
  std::optional<eval_result> shown;
  if (cfg_.eval_validation && splits_.validation) {
    const eval_result v = evaluate("validation", cfg_.eval_limit);
    m.validation_accuracy = v.accuracy;
    shown = v;
  }
  if (cfg_.eval_test && splits_.test) {
    const eval_result t = evaluate("test", cfg_.eval_limit);
    m.test_accuracy = t.accuracy;
    shown = t;
  }
  if (shown) {
    m.spikes_per_sample = shown->spikes_per_sample;
    m.synaptic_events_per_sample = shown->synaptic_events_per_sample;
    m.energy_per_sample_uj = shown->energy_per_sample_uj;
  }
  return m;
}

void trainer::train(const progress_fn& progress, const std::function<void(const epoch_metrics&)>& on_epoch) {
  train_while(progress, [&on_epoch](const epoch_metrics& m) {
    if (on_epoch) on_epoch(m);
    return true;
  });
}

bool trainer::train_while(const progress_fn& progress, const std::function<bool(const epoch_metrics&)>& go_on) {
  if (writes_files()) {
    std::error_code ec;
    std::filesystem::create_directories(cfg_.output_dir, ec);
    if (ec || !std::filesystem::is_directory(cfg_.output_dir, ec))
      throw input_error(fmt::format("{}: cannot create the output folder: {}", cfg_.output_dir.string(),
                                    ec ? ec.message() : "a file of that name exists"));
    remove_stale_temporaries(cfg_.output_dir);  // of a run killed while writing
  }
  check_active_outputs();
  if (cfg_.eval_before && epochs_done_ == 0 && !log_.initial) {
    log_.initial = evaluate_epoch(0);
    write_outputs();
    if (go_on && !go_on(*log_.initial)) return false;
  }
  const std::size_t n = splits_.train->size();
  const std::size_t B = cfg_.batch_size;
  const std::size_t n_batches = (n + B - 1) / B;
  const std::size_t L = master_.size();
  for (std::uint64_t e = epochs_done_ + 1; e <= cfg_.epochs; ++e) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<std::size_t> order =
        splits_.train->shuffled_indices(rng::derive(cfg_.seed, streams::epoch_shuffle, e));
    const double lr_scale = optimizer_->lr_scale_for_epoch(e - 1);
    fixed_scalar loss_sum;
    std::uint64_t correct = 0, seen = 0, steps = 0;
    std::vector<std::uint64_t> fired(workers_[0]->fired.size(), 0);
    std::vector<std::uint64_t> hidden_spikes(workers_[0]->hidden.counts().size(), 0);
    run_counters work;  // the training pass's, for its price
    const std::uint64_t updates0 = optimizer_updates_;
    update_alignment alignment(L);
    for (std::size_t b = 0; b < n_batches; ++b) {
      const std::span<const std::size_t> batch(order.data() + b * B, std::min(B, n - b * B));
      const bool measure = reference_ && cfg_.alignment_every > 0 && b % cfg_.alignment_every == 0;
      for (auto& w : workers_)
        if (w->reference) w->reference->set_learning(measure);
      batch_stats stats;
      if (rule_->online_step_ms() > 0.0)
        run_lockstep(batch, e, b + 1, lr_scale, stats);
      else
        run_batch(batch, e, b + 1, lr_scale, measure ? &alignment : nullptr, stats);
      sum_over_ranks(stats);
      loss_sum.merge(stats.loss_sum);
      if (loss_sum.saturated())
        throw input_error(fmt::format("{}: epoch {}, batch {}: the summed loss exceeds 9.9e27, beyond exact "
                                      "accumulation: training has diverged or the loss targets are too large; {}",
                                      cfg_.file, e, b + 1, last_good_note()));
      correct += stats.correct;
      seen += stats.samples;
      steps += stats.steps;
      for (std::size_t i = 0; i < stats.fired.size(); ++i) fired[i] += stats.fired[i];
      for (std::size_t i = 0; i < stats.hidden_spikes.size(); ++i) hidden_spikes[i] += stats.hidden_spikes[i];
      work.add(stats.counters);
      if (progress)
        progress(e, b + 1, n_batches, loss_sum.get() / static_cast<double>(seen),
                 static_cast<double>(correct) / static_cast<double>(seen));
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    epoch_metrics m;
    if (cfg_.eval_every > 0 && (e % cfg_.eval_every == 0 || e == cfg_.epochs)) m = evaluate_epoch(e);
    m.epoch = e;
    m.loss = loss_sum.get() / static_cast<double>(seen);
    m.train_accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    m.wall_time_s = wall;
    m.samples_per_s = static_cast<double>(seen) / wall;
    m.lr = optimizer_->learning_rate() * lr_scale;
    if (!fired.empty()) {
      for (std::size_t i = 0; i < fired.size(); ++i)
        if (fired[i] == 0) m.silent_output_neurons.push_back(static_cast<std::uint32_t>(i));
      m.silent_outputs = static_cast<double>(m.silent_output_neurons.size());
    }
    m.silent_hidden = workers_[0]->hidden.silent(hidden_spikes);
    const training_cost cost =
        price_training(work, *workers_[0]->net, steps, chain().neuron_count(), seen, optimizer_updates_ - updates0,
                       profile_ ? &*profile_ : nullptr, stepped_profile_ ? &*stepped_profile_ : nullptr);
    m.train_learning_ops_per_sample = cost.learning_ops_per_sample;
    m.train_energy_per_sample_uj = cost.event_driven_uj;
    m.train_energy_stepped_per_sample_uj = cost.time_stepped_uj;
    if (reference_) {
      m.update_cosine = alignment.means();
      m.model_cosine = alignment.model_mean();
    }
    m.feedback_cosine = feedback_cosines(rule_->feedback(), master_, chain());
    log_.epochs.push_back(m);
    epochs_done_ = e;
    write_outputs();
    const bool saved = e % cfg_.checkpoint_every == 0 || e == cfg_.epochs;
    if (saved && writes_files()) save_checkpoint(cfg_.output_dir / "checkpoint.evsnn");
    if (go_on && !go_on(m)) {
      if (!saved && writes_files()) save_checkpoint(cfg_.output_dir / "checkpoint.evsnn");
      return e == cfg_.epochs;
    }
  }
  return true;
}

void trainer::run_batch(std::span<const std::size_t> batch, std::uint64_t epoch, std::size_t number, double lr_scale,
                        update_alignment* alignment, batch_stats& stats) {
  run_parallel(rank_share(batch), *splits_.train, true, epoch, epoch * splits_.train->size(), stats);
  fixed_sum_set& total = gatherer_->total();
  sum_over_ranks(total);
  if (total.saturated())
    throw input_error(fmt::format("{}: epoch {}, batch {}: a gradient sum left the exact fixed-point range "
                                  "(|sum| < 1.07e9): training has diverged; {}",
                                  cfg_.file, epoch, number, last_good_note()));
  rule_->end_batch(total, batch.size(), grads_);
  if (alignment) {
    fixed_sum_set& ref_total = ref_gatherer_->total();
    sum_over_ranks(ref_total);
    reference_->end_batch(ref_total, batch.size(), ref_grads_);
    alignment->add(grads_, ref_grads_);
  }
  optimizer_step(lr_scale, epoch, number);
  broadcast_weights();
}

std::string trainer::last_good_note() const {
  const std::filesystem::path ck = cfg_.output_dir / "checkpoint.evsnn";
  std::error_code ec;
  if (epochs_done_ == 0 || !std::filesystem::is_regular_file(ck, ec))
    return "nothing of this run was written; lower /optimizer/lr";
  return fmt::format("the log and network of epoch {} are kept, and the last checkpoint {}; lower /optimizer/lr",
                     epochs_done_, ck.string());
}

}  // namespace evsnn::rules
