// trainer_attack: trainer::attack (rules/attack.hpp) — FGSM through BPTT on the twin of a readout chain and
// NES through queries of the event simulator, on the first samples of a split of an image data set.
#include <algorithm>
#include <cmath>
#include <mutex>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/rng.hpp"
#include "rules/readout_unroll.hpp"
#include "rules/streams.hpp"
#include "rules/tick_chain.hpp"
#include "rules/trainer.hpp"
#include "rules/trainer_worker.hpp"

namespace evsnn::rules {

namespace {

// What one sample's attacks found.
struct sample_result {
  bool clean = false;
  std::vector<char> fgsm, nes;         // per ε: still correct
  std::vector<std::uint64_t> queries;  // per ε: NES queries
};

}  // namespace

attack_report trainer::attack(const attack_options& o) {
  std::shared_ptr<const data::dataset> ds = o.split == "test"         ? splits_.test
                                            : o.split == "validation" ? splits_.validation
                                                                      : splits_.train;
  if (!ds) throw input_error(fmt::format("{}: /dataset: the data set has no {} split", cfg_.file, o.split));
  if (!ds->has_pixels())
    throw input_error(fmt::format("{}: /dataset: attacks perturb image pixels; the {} split ({}) is not an image data "
                                  "set",
                                  cfg_.file, o.split, ds->description()));
  const layer_chain& ch = chain();
  const bool readout_chain = ch.output().readout && ch.layers.front().tick != nullptr;
  const bool continuous = ch.layers.front().tick == nullptr;
  if (o.fgsm && !readout_chain && !continuous)
    throw input_error(fmt::format("{}: FGSM needs the gradient through the network: BPTT on the twin of discrete-tick "
                                  "chains ending in an li readout, or exact spike times of continuous-time chains; "
                                  "use NES (black box) for this network",
                                  cfg_.file));
  const std::string code = ds->pixel_code();
  if (o.fgsm && readout_chain && code != "rate")
    throw input_error(fmt::format("{}: FGSM through BPTT reads the pixel gradient of a rate code (expected input "
                                  "proportional to intensity); this data set uses the {} code: use NES",
                                  cfg_.file, code));
  if (o.fgsm && continuous && code != "ttfs" && code != "latency")
    throw input_error(fmt::format("{}: FGSM through exact spike times needs a ttfs or latency code (a brighter pixel "
                                  "spikes earlier); this data set uses the {} code: use NES",
                                  cfg_.file, code));
  if (o.fgsm && continuous) {
    if (!input_gradient_) input_gradient_ = make_rule(json_node(nlohmann::json("bp_exact"), cfg_.file, "/attack"), ch,
                                                      loss_->input(), cfg_.seed);
    for (auto& w : workers_)
      if (!w->input_gradient) {
        w->input_gradient = input_gradient_->make_worker(*w->sim, w->chain);
        w->input_gradient->set_learning(false);
      }
  }
  // N samples spread evenly over the split (class-sorted files keep every class), or all of them.
  const std::size_t n = o.samples > 0 ? std::min(o.samples, ds->size()) : ds->size();
  auto sample_index = [&](std::size_t k) { return k * ds->size() / n; };
  const std::size_t E = o.eps.size();
  std::vector<sample_result> results(n);
  attack_report report;
  const data::sensor_layout layout = ds->layout();
  report.width = layout.width;
  report.height = layout.height;
  // The surrogate and loss window BPTT differentiates: the rule's own when it has them.
  const nlohmann::json rd = rule_->describe();
  tick_surrogate sg;
  if (rd.contains("surrogate")) sg.piecewise = rd["surrogate"] == "piecewise_linear";
  if (rd.contains("gamma")) sg.gamma = rd["gamma"].get<double>();
  if (rd.contains("surrogate_slope")) sg.slope = rd["surrogate_slope"].get<double>();
  const double window_ms = rd.contains("loss_window_ms") ? rd["loss_window_ms"].get<double>() : 0.0;
  // The K successful examples of lowest index per (method, ε), whatever the threads' timing.
  std::mutex examples_mutex;
  auto keep_example = [&](attack_example ex) {
    std::lock_guard<std::mutex> lock(examples_mutex);
    std::size_t same = 0, worst = report.examples.size();
    for (std::size_t k = 0; k < report.examples.size(); ++k) {
      const attack_example& e = report.examples[k];
      if (e.method != ex.method || e.eps != ex.eps) continue;
      ++same;
      if (worst == report.examples.size() || e.index > report.examples[worst].index) worst = k;
    }
    if (same < o.examples) report.examples.push_back(std::move(ex));
    else if (worst < report.examples.size() && report.examples[worst].index > ex.index) report.examples[worst] = std::move(ex);
  };
  const unsigned threads = std::min<unsigned>(pool_->size(), static_cast<unsigned>(std::max<std::size_t>(n, 1)));
  std::exception_ptr failure;
  std::mutex failure_mutex;
  pool_->run(threads, [&](std::size_t t) {
    try {
      worker& w = *workers_[t];
      w.rule->set_learning(false);
      std::optional<readout_net> net;
      if (o.fgsm && readout_chain) net = make_readout_net(*w.net, w.chain, "attack");
      const double tick = readout_chain ? w.chain.layers.front().tick->tick_ms() : 1.0;
      const double in_delay = w.net->proj(w.chain.layers[0].projection).delay_ms();
      std::vector<double> x0, grad;
      data::sample s;
      fixed_sum_set scratch = input_gradient_ ? input_gradient_->make_sums() : fixed_sum_set{};
      for (std::size_t slot = t; slot < n; slot += threads) {
        const std::size_t i = sample_index(slot);
        const std::uint64_t uid = streams::test_samples + i;  // the test evaluation's draws
        auto run = [&](const std::vector<double>& x) {
          ds->encode_pixels(i, x, s, 0);
          w.sim->set_sample_index(uid);
          w.rule->set_target(s.label);
          w.rule->set_duration(s.duration_ms);
          w.pres->present(s.events, s.duration_ms);
          throw_if_runaway(*w.sim, cfg_.file, "attack", i);
          return loss_->computed_by_rule() ? w.rule->sample_loss().value()
                                           : loss_->evaluate(w.monitor.activity(s.duration_ms), s.label, w.grad);
        };
        ds->pixels(i, x0);
        sample_result& r = results[slot];
        if (w.input_gradient) w.input_gradient->set_learning(o.fgsm);  // records the clean run
        const loss_value clean = run(x0);
        if (w.input_gradient) w.input_gradient->set_learning(false);
        const std::uint32_t label = s.label;
        r.clean = clean.prediction == label;
        r.fgsm.assign(E, 0);
        r.nes.assign(E, 0);
        r.queries.assign(E, 0);
        auto fgsm_steps = [&](const std::vector<double>& g) {
          for (std::size_t e = 0; e < E; ++e) {
            const std::vector<double> adv = sign_step(x0, g, o.eps[e], x0, o.eps[e]);
            const loss_value lv = run(adv);
            r.fgsm[e] = lv.prediction == label;
            if (!r.fgsm[e] && o.examples > 0)
              keep_example({"fgsm", o.eps[e], i, label, clean.prediction, lv.prediction, x0, adv});
          }
        };
        if (o.fgsm && r.clean && continuous) {
          // Exact spike times: a brighter pixel spikes earlier (ttfs, latency), so sign ∂L/∂p = −sign ∂L/∂t.
          const output_error err{loss_->input(), w.grad, s.duration_ms};
          w.input_gradient->accumulate(err, scratch);
          grad.assign(x0.size(), 0.0);
          for (const rule_worker::input_spike_gradient& g : w.input_gradient->input_time_gradient())
            if (g.channel < grad.size()) grad[g.channel] -= g.dl_dt;
          fgsm_steps(grad);
        } else if (o.fgsm && r.clean) {
          // ∂L/∂x per step through BPTT on the clean sample's input, summed over steps per pixel.
          const auto T = static_cast<std::uint64_t>(std::ceil(s.duration_ms / tick - 1e-9));
          std::vector<std::vector<tick_input>> inputs(T);
          for (const input_event& e : s.events) {
            const std::uint64_t k = step_of(e.time_ms + in_delay, 0.0, tick);
            if (k >= T) continue;
            auto& step = inputs[k];
            auto it = std::find_if(step.begin(), step.end(), [&](const tick_input& x) { return x.pre == e.channel; });
            if (it == step.end()) step.push_back({e.channel, static_cast<double>(e.grade)});
            else it->x += static_cast<double>(e.grade);
          }
          readout_unroll u;
          readout_forward(*net, inputs, label, loss_window_start(window_ms, s.duration_ms, tick), nullptr, u);
          std::vector<std::vector<double>> wgrads;
          std::vector<double> ig;
          readout_backward(*net, inputs, u, sg, wgrads, &ig);
          grad.assign(x0.size(), 0.0);
          for (std::uint64_t k = 0; k < T; ++k)
            for (std::size_t j = 0; j < x0.size() && j < net->n_in; ++j) grad[j] += ig[k * net->n_in + j];
          fgsm_steps(grad);
        }
        if (o.nes && r.clean) {
          for (std::size_t e = 0; e < E; ++e) {
            rng g(rng::derive(o.seed, streams::nes_directions, i * 1024 + e));
            const double step = o.nes_step > 0.0 ? o.nes_step : o.eps[e] / 4.0;
            std::vector<double> x = x0;
            std::uint64_t q = 0;
            bool fooled = false;
            loss_value lv = clean;
            const loss_query f = [&](const std::vector<double>& probe) { return run(probe).value; };
            while (!fooled && q + 2 * std::uint64_t(o.nes_pairs) + 1 <= o.nes_queries) {
              const std::vector<double> est = nes_gradient(f, x, o.nes_sigma, o.nes_pairs, g, q);
              x = sign_step(x, est, step, x0, o.eps[e]);
              lv = run(x);
              ++q;
              fooled = lv.prediction != label;
            }
            r.nes[e] = !fooled;
            r.queries[e] = q;
            if (fooled && o.examples > 0) keep_example({"nes", o.eps[e], i, label, clean.prediction, lv.prediction, x0, x});
          }
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  });
  if (failure) std::rethrow_exception(failure);
  attack_row clean{"clean", 0.0, n, 0, n};
  for (const sample_result& r : results) clean.correct += r.clean;
  report.rows.push_back(clean);
  for (std::size_t e = 0; e < E; ++e) {
    if (o.fgsm) {
      attack_row row{"fgsm", o.eps[e], n, 0, 0};
      for (const sample_result& r : results) row.correct += r.fgsm[e], row.queries += r.clean ? 1 : 0;
      report.rows.push_back(row);
    }
    if (o.nes) {
      attack_row row{"nes", o.eps[e], n, 0, 0};
      for (const sample_result& r : results) row.correct += r.nes[e], row.queries += r.queries[e];
      report.rows.push_back(row);
    }
  }
  std::sort(report.examples.begin(), report.examples.end(), [](const attack_example& a, const attack_example& b) {
    return a.method != b.method ? a.method < b.method : a.eps != b.eps ? a.eps < b.eps : a.index < b.index;
  });
  return report;
}

}  // namespace evsnn::rules
