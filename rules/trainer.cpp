#include "rules/trainer.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "engine/network_loader.hpp"
#include "engine/presenter.hpp"
#include "engine/rng.hpp"
#include "models/builtin_models.hpp"
#include "rules/bp_exact.hpp"

namespace evsnn::rules {

namespace {

constexpr const char* checkpoint_magic = "EVSNN-CHECKPOINT/1\n";

// Records what the output layer did in a sample: spike counts and first spike times (spiking output)
// or the readout values at the sample end (li output).
class output_monitor final : public hook {
 public:
  void bind(simulator& sim, const layer_chain& chain) {
    const layer_info& out = chain.output();
    pop_ = &sim.net().pop(out.population);
    readout_ = out.readout;
    counts_.assign(out.size, 0);
    first_.assign(out.size, std::numeric_limits<double>::infinity());
    values_.assign(out.size, 0.0);
    hook_subscription sub;
    if (!readout_) sub.post_projections.push_back(out.projection);
    sim.add_hook(*this, sub);
  }
  void on_sample_begin(double t_ms, std::uint64_t) override {
    t0_ = t_ms;
    std::fill(counts_.begin(), counts_.end(), 0u);
    std::fill(first_.begin(), first_.end(), std::numeric_limits<double>::infinity());
  }
  void on_post(const post_context& ctx) override {
    if (counts_[ctx.post]++ == 0) first_[ctx.post] = ctx.t_ms - t0_;
  }
  void on_sample_end(double t_ms, std::uint64_t) override {
    if (readout_)
      for (std::uint32_t o = 0; o < values_.size(); ++o) values_[o] = pop_->potential(o, t_ms);
  }
  output_activity activity(double duration_ms) const {
    output_activity a;
    if (readout_) {
      a.readout = values_;
    } else {
      a.counts = counts_;
      a.first_ms = first_;
    }
    a.duration_ms = duration_ms;
    return a;
  }

 private:
  const population* pop_ = nullptr;
  bool readout_ = false;
  double t0_ = 0.0;
  std::vector<std::uint32_t> counts_;
  std::vector<double> first_, values_;
};

double cosine(std::span<const double> a, std::span<const double> b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : not_measured;
}

}  // namespace

struct trainer::worker {
  std::unique_ptr<network> net;
  std::unique_ptr<simulator> sim;
  std::unique_ptr<presenter> pres;
  layer_chain chain;
  output_monitor monitor;
  std::unique_ptr<rule_worker> rule, reference;
  fixed_sum_set sums, ref_sums;
  fixed_sum loss_sum{1};
  std::uint64_t correct = 0, samples = 0, steps = 0;
  data::sample buf;
  std::vector<double> grad;
};

struct trainer::batch_stats {
  fixed_sum loss_sum{1};
  std::uint64_t correct = 0, samples = 0, steps = 0;
  run_counters counters;
};

trainer::trainer(train_config cfg, std::filesystem::path data_dir, std::optional<energy_profile> profile)
    : cfg_(std::move(cfg)), data_dir_(std::move(data_dir)), profile_(std::move(profile)) {
  data::dataset_context ctx;
  ctx.base_dir = cfg_.base_dir;
  ctx.data_dir = data_dir_;
  ctx.file = cfg_.file + ": /dataset";
  splits_ = data::open_dataset_splits(cfg_.dataset, ctx);
  const json_node root(cfg_.doc, cfg_.file);
  loss_ = make_loss(cfg_.loss, cfg_.file + ": /loss");
  optimizer_ = make_optimizer(cfg_.optimizer, cfg_.file + ": /optimizer");
  const model_registry models = builtin_model_registry();
  const unsigned n_threads =
      std::max(1u, cfg_.threads > 0 ? cfg_.threads : std::max(1u, std::thread::hardware_concurrency()));
  for (unsigned t = 0; t < n_threads; ++t) {
    auto w = std::make_unique<worker>();
    w->net = build_network(cfg_.network, cfg_.network_file, cfg_.network_dir, models);
    w->sim = std::make_unique<simulator>(*w->net, w->net->seed);
    w->sim->record_spikes(false);
    w->chain = find_layer_chain(*w->net, cfg_.network_file);
    w->pres = std::make_unique<presenter>(*w->sim, w->chain.input, state_policy::reset);
    w->monitor.bind(*w->sim, w->chain);
    workers_.push_back(std::move(w));
  }
  const layer_chain& ch = workers_[0]->chain;
  const std::uint32_t classes = splits_.train->classes();
  if (ch.output().size < classes)
    throw input_error(fmt::format("{}: output layer '{}' has {} neurons but the data set has {} classes", cfg_.file,
                                  ch.output().name, ch.output().size, classes));
  if (splits_.train->channels() > ch.input_size)
    throw input_error(fmt::format("{}: the data set has {} channels but the input population has {} neurons",
                                  cfg_.file, splits_.train->channels(), ch.input_size));
  const loss_input in = loss_->input();
  if ((in == loss_input::readout) != ch.output().readout)
    throw input_error(fmt::format("{}: /loss: {} reads {}, but the output layer '{}' is {}", cfg_.file,
                                  loss_->name(), in == loss_input::readout ? "a readout" : "spikes", ch.output().name,
                                  ch.output().readout ? "an li readout" : "spiking"));
  rule_ = make_rule(root.at("rule"), ch, in, cfg_.seed);
  if (cfg_.alignment_every > 0 && std::string(rule_->name()) != "bp_exact")
    reference_ = std::make_unique<bp_exact>(ch, in);
  for (auto& w : workers_) {
    w->rule = rule_->make_worker(*w->sim, w->chain);
    w->sums = rule_->make_sums();
    if (reference_) {
      w->reference = reference_->make_worker(*w->sim, w->chain);
      w->reference->set_learning(false);
      w->ref_sums = reference_->make_sums();
    }
    w->grad.assign(ch.output().size, 0.0);
  }
  std::vector<std::size_t> sizes;
  for (const layer_info& l : ch.layers) {
    const auto wts = workers_[0]->net->proj(l.projection).weights();
    master_.emplace_back(wts.begin(), wts.end());
    sizes.push_back(wts.size());
  }
  optimizer_->bind(sizes);
}

trainer::~trainer() = default;

const layer_chain& trainer::chain() const { return workers_[0]->chain; }
unsigned trainer::threads() const { return static_cast<unsigned>(workers_.size()); }
std::size_t trainer::train_size() const { return splits_.train->size(); }

void trainer::broadcast_weights() {
  for (auto& w : workers_)
    for (std::size_t l = 0; l < master_.size(); ++l) {
      auto dst = w->net->proj(w->chain.layers[l].projection).weights();
      std::copy(master_[l].begin(), master_[l].end(), dst.begin());
    }
}

void trainer::run_parallel(std::span<const std::size_t> indices, const data::dataset& ds, bool learn,
                           std::uint64_t epoch, std::uint64_t uid_base, batch_stats& stats) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const double dt = cfg_.energy_dt_ms;
  auto body = [&](worker& w) {
    try {
      w.rule->set_learning(learn);
      const loss_input in = loss_->input();
      while (true) {
        const std::size_t k = next.fetch_add(1);
        if (k >= indices.size()) break;
        const std::size_t idx = indices[k];
        ds.load(idx, w.buf, learn ? epoch + 1 : 0);
        w.sim->set_sample_index(uid_base + idx);
        w.pres->present(w.buf.events, w.buf.duration_ms);
        const loss_value lv = loss_->evaluate(w.monitor.activity(w.buf.duration_ms), w.buf.label, w.grad);
        w.loss_sum.add(0, lv.value);
        w.correct += lv.prediction == w.buf.label;
        ++w.samples;
        w.steps += static_cast<std::uint64_t>(std::ceil(w.buf.duration_ms / dt));
        if (learn) {
          const output_error err{in, w.grad, w.buf.duration_ms};
          w.rule->accumulate(err, w.sums);
          if (w.reference && w.reference->learning()) w.reference->accumulate(err, w.ref_sums);
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next = indices.size();
    }
  };
  const std::size_t n_workers = std::min<std::size_t>(workers_.size(), std::max<std::size_t>(1, indices.size()));
  for (std::size_t t = 0; t < n_workers; ++t) {
    worker& w = *workers_[t];
    w.loss_sum.clear();
    w.correct = w.samples = w.steps = 0;
    w.sim->counters().reset();
  }
  if (n_workers == 1) {
    body(*workers_[0]);
  } else {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < n_workers; ++t) pool.emplace_back(body, std::ref(*workers_[t]));
    for (auto& th : pool) th.join();
  }
  if (failure) std::rethrow_exception(failure);
  for (std::size_t t = 0; t < n_workers; ++t) {
    worker& w = *workers_[t];
    stats.loss_sum.merge(w.loss_sum);
    stats.correct += w.correct;
    stats.samples += w.samples;
    stats.steps += w.steps;
    stats.counters.add(w.sim->counters());
  }
}

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
  const std::uint64_t uid = split == "test" ? (std::uint64_t(1) << 62) : (std::uint64_t(3) << 61);
  run_parallel(idx, *ds, false, 0, uid, stats);
  eval_result r;
  r.samples = n;
  if (n == 0) return r;
  const double dn = static_cast<double>(n);
  r.loss = stats.loss_sum.get(0) / dn;
  r.accuracy = static_cast<double>(stats.correct) / dn;
  std::uint64_t spikes = 0, syn = 0, trained_neurons = 0;
  for (const layer_info& l : chain().layers) {
    spikes += stats.counters.populations[l.population].spikes;
    syn += stats.counters.projections[l.projection].synaptic_events +
           stats.counters.projections[l.projection].graded_events;
    trained_neurons += l.size;
  }
  r.spikes_per_sample = static_cast<double>(spikes) / dn;
  r.synaptic_events_per_sample = static_cast<double>(syn) / dn;
  if (profile_) {
    const op_counts c = event_driven_op_counts(stats.counters, stats.steps * trained_neurons, 0);
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
  std::filesystem::create_directories(cfg_.output_dir);
  if (cfg_.eval_before && epochs_done_ == 0 && !initial_) {
    initial_ = evaluate_epoch(0);
    write_outputs();
    if (on_epoch) on_epoch(*initial_);
  }
  const std::size_t n = splits_.train->size();
  const std::size_t B = cfg_.batch_size;
  const std::size_t n_batches = (n + B - 1) / B;
  const std::size_t L = master_.size();
  for (std::uint64_t e = epochs_done_ + 1; e <= cfg_.epochs; ++e) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<std::size_t> order = splits_.train->shuffled_indices(rng::derive(cfg_.seed, 0xe90c, e));
    const double lr_scale = optimizer_->lr_scale_for_epoch(e - 1);
    fixed_sum loss_sum(1);
    std::uint64_t correct = 0, seen = 0;
    std::vector<double> cos_sum(L, 0.0);
    std::vector<std::uint64_t> cos_n(L, 0);
    for (std::size_t b = 0; b < n_batches; ++b) {
      const std::span<const std::size_t> batch(order.data() + b * B, std::min(B, n - b * B));
      const bool measure = reference_ && cfg_.alignment_every > 0 && b % cfg_.alignment_every == 0;
      for (auto& w : workers_) {
        w->sums.clear();
        if (w->reference) {
          w->reference->set_learning(measure);
          if (measure) w->ref_sums.clear();
        }
      }
      batch_stats stats;
      run_parallel(batch, *splits_.train, true, e, e * n, stats);
      fixed_sum_set total = rule_->make_sums();
      for (auto& w : workers_) total.merge(w->sums);
      rule_->end_batch(total, batch.size(), grads_);
      if (measure) {
        fixed_sum_set ref_total = reference_->make_sums();
        for (auto& w : workers_) ref_total.merge(w->ref_sums);
        reference_->end_batch(ref_total, batch.size(), ref_grads_);
        for (std::size_t l = 0; l < L; ++l) {
          const double c = cosine(grads_[l], ref_grads_[l]);
          if (std::isfinite(c)) cos_sum[l] += c, ++cos_n[l];
        }
      }
      for (std::size_t l = 0; l < L; ++l) optimizer_->step(l, master_[l], grads_[l], lr_scale);
      optimizer_->finish_step();
      broadcast_weights();
      loss_sum.merge(stats.loss_sum);
      correct += stats.correct;
      seen += stats.samples;
      if (progress)
        progress(e, b + 1, n_batches, loss_sum.get(0) / static_cast<double>(seen),
                 static_cast<double>(correct) / static_cast<double>(seen));
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    epoch_metrics m;
    if (cfg_.eval_every > 0 && (e % cfg_.eval_every == 0 || e == cfg_.epochs)) m = evaluate_epoch(e);
    m.epoch = e;
    m.loss = loss_sum.get(0) / static_cast<double>(seen);
    m.train_accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    m.wall_time_s = wall;
    m.samples_per_s = static_cast<double>(seen) / wall;
    m.lr = optimizer_->learning_rate() * lr_scale;
    if (reference_) {
      m.update_cosine.resize(L);
      for (std::size_t l = 0; l < L; ++l) m.update_cosine[l] = cos_n[l] ? cos_sum[l] / double(cos_n[l]) : not_measured;
    }
    const auto fb = rule_->feedback();
    if (!fb.empty()) {
      // cos(B^l, W^{l+1} ... W^{L-1}): the feedback against the effective linear map to the outputs.
      const auto& ch = chain();
      for (std::size_t l = 0; l + 1 < L; ++l) {
        std::vector<double> eff(master_[L - 1].begin(), master_[L - 1].end());  // n_{L-2} x n_out
        for (std::size_t k = L - 1; k-- > l + 1;) {
          const std::size_t rows = ch.layers[k].fan_in, mid = ch.layers[k].size, cols = ch.output().size;
          std::vector<double> next(rows * cols, 0.0);
          for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t q = 0; q < mid; ++q) {
              const double a = master_[k][r * mid + q];
              if (a != 0.0)
                for (std::size_t c = 0; c < cols; ++c) next[r * cols + c] += a * eff[q * cols + c];
            }
          eff = std::move(next);
        }
        std::vector<double> bd(fb[l].begin(), fb[l].end());
        m.feedback_cosine.push_back(cosine(bd, eff));
      }
    }
    log_.push_back(m);
    epochs_done_ = e;
    write_outputs();
    if (e % cfg_.checkpoint_every == 0 || e == cfg_.epochs) save_checkpoint(cfg_.output_dir / "checkpoint.evsnn");
    if (on_epoch) on_epoch(m);
  }
}

// ---- logs ------------------------------------------------------------------------------------------

namespace {

std::string cell(double x) { return std::isfinite(x) ? fmt::format("{:.10g}", x) : std::string(); }
nlohmann::json jcell(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

}  // namespace

std::string trainer::log_csv(const std::vector<epoch_metrics>& rows, const std::optional<epoch_metrics>& initial) {
  std::size_t n_cos = 0, n_fb = 0;
  for (const auto& r : rows) n_cos = std::max(n_cos, r.update_cosine.size()), n_fb = std::max(n_fb, r.feedback_cosine.size());
  std::string out =
      "epoch,loss,train_accuracy,test_accuracy,validation_accuracy,spikes_per_sample,synaptic_events_per_sample,"
      "energy_per_sample_uj,wall_time_s,samples_per_s,lr";
  for (std::size_t l = 0; l < n_cos; ++l) out += fmt::format(",update_cosine_{}", l);
  for (std::size_t l = 0; l < n_fb; ++l) out += fmt::format(",feedback_cosine_{}", l);
  out += "\n";
  auto row = [&](const epoch_metrics& m) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}", m.epoch, cell(m.loss), cell(m.train_accuracy),
                       cell(m.test_accuracy), cell(m.validation_accuracy), cell(m.spikes_per_sample),
                       cell(m.synaptic_events_per_sample), cell(m.energy_per_sample_uj),
                       m.epoch == 0 ? std::string() : cell(m.wall_time_s), cell(m.samples_per_s), cell(m.lr));
    for (std::size_t l = 0; l < n_cos; ++l) {
      out += ',';
      if (l < m.update_cosine.size()) out += cell(m.update_cosine[l]);
    }
    for (std::size_t l = 0; l < n_fb; ++l) {
      out += ',';
      if (l < m.feedback_cosine.size()) out += cell(m.feedback_cosine[l]);
    }
    out += "\n";
  };
  if (initial) row(*initial);
  for (const auto& m : rows) row(m);
  return out;
}

nlohmann::json trainer::log_json(const std::vector<epoch_metrics>& rows, const std::optional<epoch_metrics>& initial) {
  nlohmann::json epochs = nlohmann::json::array();
  auto row = [&](const epoch_metrics& m) {
    nlohmann::json j = {{"epoch", m.epoch},
                        {"loss", jcell(m.loss)},
                        {"train_accuracy", jcell(m.train_accuracy)},
                        {"test_accuracy", jcell(m.test_accuracy)},
                        {"validation_accuracy", jcell(m.validation_accuracy)},
                        {"spikes_per_sample", jcell(m.spikes_per_sample)},
                        {"synaptic_events_per_sample", jcell(m.synaptic_events_per_sample)},
                        {"energy_per_sample_uj", jcell(m.energy_per_sample_uj)},
                        {"wall_time_s", m.epoch == 0 ? nlohmann::json(nullptr) : jcell(m.wall_time_s)},
                        {"samples_per_s", jcell(m.samples_per_s)},
                        {"lr", jcell(m.lr)}};
    nlohmann::json c = nlohmann::json::array(), f = nlohmann::json::array();
    for (double x : m.update_cosine) c.push_back(jcell(x));
    for (double x : m.feedback_cosine) f.push_back(jcell(x));
    j["update_cosine"] = c;
    j["feedback_cosine"] = f;
    epochs.push_back(j);
  };
  if (initial) row(*initial);
  for (const auto& m : rows) row(m);
  return {{"format", "evsnn-train-log/1"}, {"epochs", epochs}};
}

namespace {

epoch_metrics metrics_from_json(const nlohmann::json& j) {
  auto num = [&](const char* k) { return j.at(k).is_null() ? not_measured : j.at(k).get<double>(); };
  epoch_metrics m;
  m.epoch = j.at("epoch").get<std::uint64_t>();
  m.loss = num("loss");
  m.train_accuracy = num("train_accuracy");
  m.test_accuracy = num("test_accuracy");
  m.validation_accuracy = num("validation_accuracy");
  m.spikes_per_sample = num("spikes_per_sample");
  m.synaptic_events_per_sample = num("synaptic_events_per_sample");
  m.energy_per_sample_uj = num("energy_per_sample_uj");
  m.wall_time_s = j.at("wall_time_s").is_null() ? 0.0 : j.at("wall_time_s").get<double>();
  m.samples_per_s = num("samples_per_s");
  m.lr = num("lr");
  for (const auto& x : j.at("update_cosine")) m.update_cosine.push_back(x.is_null() ? not_measured : x.get<double>());
  for (const auto& x : j.at("feedback_cosine")) m.feedback_cosine.push_back(x.is_null() ? not_measured : x.get<double>());
  return m;
}

}  // namespace

void trainer::write_outputs() const {
  write_file_atomic(cfg_.output_dir / "log.csv", log_csv(log_, initial_));
  write_file_atomic(cfg_.output_dir / "log.json", log_json(log_, initial_).dump(2) + "\n");
  if (epochs_done_ > 0) write_network(cfg_.output_dir / "network.json");
}

// ---- checkpoints -----------------------------------------------------------------------------------
// Layout: magic line, 8-byte little-endian header length, header JSON, then the blocks the header lists
// in order, each raw little-endian (f32 or f64).

void trainer::save_checkpoint(const std::filesystem::path& path) const {
  nlohmann::json blocks = nlohmann::json::array();
  std::string data;
  auto put = [&](const std::string& name, const void* p, std::size_t n, const char* type, std::size_t width) {
    blocks.push_back({{"name", name}, {"type", type}, {"size", n}});
    data.append(static_cast<const char*>(p), n * width);
  };
  for (std::size_t l = 0; l < master_.size(); ++l)
    put(fmt::format("weights/{}", l), master_[l].data(), master_[l].size(), "f32", 4);
  const auto opt = optimizer_->state_arrays();
  for (std::size_t k = 0; k < opt.size(); ++k) put(fmt::format("optimizer/{}", k), opt[k].data(), opt[k].size(), "f64", 8);
  const auto rs = rule_->state();
  for (std::size_t k = 0; k < rs.size(); ++k) put(fmt::format("rule/{}", k), rs[k].data(), rs[k].size(), "f32", 4);
  nlohmann::json header = {{"format", "evsnn-checkpoint/1"},
                           {"epoch", epochs_done_},
                           {"config", cfg_.doc},
                           {"rule", rule_->describe()},
                           {"optimizer", optimizer_->state_header()},
                           {"log", log_json(log_, initial_)},
                           {"blocks", blocks}};
  const std::string h = header.dump();
  std::string out = checkpoint_magic;
  std::uint64_t len = h.size();
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((len >> (8 * b)) & 0xff));
  out += h;
  out += data;
  write_file_atomic(path, out);
}

void trainer::load_checkpoint(const std::filesystem::path& path, bool for_resume) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(fmt::format("{}: cannot open checkpoint", file));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t magic_len = std::strlen(checkpoint_magic);
  if (bytes.size() < magic_len + 8 || bytes.compare(0, magic_len, checkpoint_magic) != 0)
    throw input_error(fmt::format("{}: byte 0: not an evsnn checkpoint (bad magic)", file));
  std::uint64_t len = 0;
  for (int b = 0; b < 8; ++b) len |= std::uint64_t(static_cast<unsigned char>(bytes[magic_len + b])) << (8 * b);
  std::size_t pos = magic_len + 8;
  if (len > bytes.size() - pos)
    throw input_error(fmt::format("{}: byte {}: header of {} bytes runs past the end of the file", file, pos, len));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                                   bytes.begin() + static_cast<std::ptrdiff_t>(pos + len));
  } catch (const nlohmann::json::exception& e) {
    throw input_error(fmt::format("{}: byte {}: bad header: {}", file, pos, e.what()));
  }
  pos += len;
  try {
    if (header.at("format") != "evsnn-checkpoint/1")
      throw input_error(fmt::format("{}: unknown checkpoint format", file));
    // The network, data and rule must be those of the config (epochs may differ: a run can be extended).
    nlohmann::json a = header.at("config"), b = cfg_.doc;
    a.erase("epochs");
    b.erase("epochs");
    if (a != b)
      throw input_error(fmt::format("{}: the checkpoint was written by a different config (only \"epochs\" may change)",
                                    file));
    std::vector<std::vector<float>> f32;
    std::vector<std::vector<double>> opt;
    std::vector<std::vector<float>> rule_state;
    std::size_t layer = 0;
    for (const auto& blk : header.at("blocks")) {
      const std::string name = blk.at("name"), type = blk.at("type");
      const std::size_t n = blk.at("size");
      const std::size_t width = type == "f64" ? 8 : 4;
      if (n > (bytes.size() - pos) / width)
        throw input_error(fmt::format("{}: byte {}: block {} of {} values runs past the end (truncated file?)", file,
                                      pos, name, n));
      if (width == 8) {
        std::vector<double> v(n);
        std::memcpy(v.data(), bytes.data() + pos, n * 8);
        opt.push_back(std::move(v));
      } else {
        std::vector<float> v(n);
        std::memcpy(v.data(), bytes.data() + pos, n * 4);
        if (name.rfind("weights/", 0) == 0) {
          if (layer >= master_.size() || v.size() != master_[layer].size())
            throw input_error(fmt::format("{}: {}: {} values, the network's layer has {}", file, name, n,
                                          layer < master_.size() ? master_[layer].size() : 0));
          for (float x : v)
            if (!std::isfinite(x)) throw input_error(fmt::format("{}: {}: non-finite weight", file, name));
          f32.push_back(std::move(v));
          ++layer;
        } else {
          rule_state.push_back(std::move(v));
        }
      }
      pos += n * width;
    }
    if (pos != bytes.size()) throw input_error(fmt::format("{}: byte {}: unexpected data after the last block", file, pos));
    if (f32.size() != master_.size())
      throw input_error(fmt::format("{}: {} weight blocks, the network has {} layers", file, f32.size(), master_.size()));
    master_ = std::move(f32);
    broadcast_weights();
    if (for_resume) {
      optimizer_->load_state(header.at("optimizer"), std::move(opt), file + ": optimizer");
      rule_->load_state(rule_state);
      epochs_done_ = header.at("epoch");
      log_.clear();
      initial_.reset();
      for (const auto& row : header.at("log").at("epochs")) {
        epoch_metrics m = metrics_from_json(row);
        if (m.epoch == 0)
          initial_ = m;
        else
          log_.push_back(m);
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw input_error(fmt::format("{}: bad checkpoint header: {}", file, e.what()));
  }
}

void trainer::write_network(const std::filesystem::path& path) const {
  nlohmann::json doc = cfg_.network;
  const std::filesystem::path dir = path.parent_path();
  for (std::size_t l = 0; l < master_.size(); ++l) {
    const layer_info& info = chain().layers[l];
    const std::string csv = fmt::format("weights_{}.csv", l);
    std::string text;
    text.reserve(master_[l].size() * 12);
    for (std::uint32_t j = 0; j < info.fan_in; ++j) {
      for (std::uint32_t i = 0; i < info.size; ++i) {
        if (i) text += ',';
        fmt::format_to(std::back_inserter(text), "{:.9g}", master_[l][std::size_t(j) * info.size + i]);
      }
      text += '\n';
    }
    write_file_atomic(dir / csv, text);
    doc["projections"][info.projection]["weights"] = {{"csv", csv}};
  }
  doc["description"] = fmt::format("trained by evsnn train {} ({} epochs, rule {})", cfg_.file, epochs_done_,
                                   rule_->name());
  write_file_atomic(path, doc.dump(1) + "\n");
}

}  // namespace evsnn::rules
