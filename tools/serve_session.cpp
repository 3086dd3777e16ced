#include "tools/serve_session.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/event.hpp"
#include "engine/network_loader.hpp"
#include "models/spike_source.hpp"
#include "tools/data_run.hpp"
#include "tools/energy_report.hpp"
#include "tools/output_folder.hpp"
#include "tools/plastic_output.hpp"

namespace evsnn::cli {

using wire::error_code;
using wire::frame_type;

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
}

serve_session::serve_session(std::shared_ptr<const nlohmann::json> doc, const std::string& file,
                             const std::filesystem::path& base_dir, const model_registry& models,
                             const plasticity_registry& rules, const std::string& input, const serve_limits& limits,
                             array_cache* arrays)
    : doc_(std::move(doc)), base_dir_(base_dir), limits_(limits) {
  net_ = build_network(*doc_, file, base_dir, models, &rules, nullptr, arrays);
  input_id_ = input_population(*net_, input, file);  // as evsnn run --data finds it
  input_ = dynamic_cast<spike_source*>(&net_->pop(input_id_));
  if (input_ == nullptr || !input_->accepts_input())
    throw input_error(fmt::format("{}: --input: population '{}' is not a spike_source with \"external\": true", file,
                                  net_->pop(input_id_).name()));
  sim_ = std::make_unique<simulator>(*net_, net_->seed);
  sim_->record_spikes(false);
  sim_->set_spike_sink(this);
  sim_->begin_sample(0.0);
}

serve_session::~serve_session() = default;

void serve_session::fail(error_code code, const std::string& text) {
  if (closed_) return;
  flush_spikes();
  wire::append_error(out_, code, text);
  closed_ = true;
}

void serve_session::reject(error_code code, const std::string& text) { fail(code, text); }

bool serve_session::wants_input() const {
  return !closed_ && out_.size() + backlog_ < limits_.max_output_bytes &&
         input_->pending_input() < limits_.max_pending_events;
}

double serve_session::paced_time(double wall_ms) const {
  return std::clamp((wall_ms - wall0_ms_) * factor_, 0.0, max_time_ms);
}

void serve_session::handle(const wire::frame& f, double wall_ms) {
  if (closed_ || answer_bye_) return;
  wire::payload_reader r(f.payload);
  try {
    if (!hello_done_ && f.type != frame_type::hello) return fail(error_code::bad_hello, "the first frame must be hello");
    switch (f.type) {
      case frame_type::hello:
        if (hello_done_) return fail(error_code::bad_hello, "a second hello");
        return hello(r, wall_ms);
      case frame_type::events: return events(r, false, wall_ms);
      case frame_type::events_now: return events(r, true, wall_ms);
      case frame_type::advance: {
        const double t = r.f64();
        r.end();
        if (paced_) return fail(error_code::bad_state, "advance is for client timestamps; a paced stream follows the clock");
        if (!(t >= 0.0 && t <= max_time_ms))
          return fail(error_code::bad_event, fmt::format("advance to {} ms: not in [0, 1e12]", t));
        if (t < std::max(processed_to_, partial_to_))
          return fail(error_code::bad_event, fmt::format("advance to {} ms: before {} ms, already simulated", t,
                                                         std::max(processed_to_, partial_to_)));
        if (advances_.size() >= 4096) return fail(error_code::bad_state, "more than 4096 advances not yet answered");
        target_ = std::max(target_, t);
        stream_time_ = std::max(stream_time_, t);
        advanced_to_ = std::max(advanced_to_, t);
        advances_.push_back(t);
        return;
      }
      case frame_type::reset:
        r.end();
        flush_spikes();
        input_->set_input({});
        sim_->begin_sample(0.0, true);
        processed_to_ = target_ = advanced_to_ = partial_to_ = -inf;
        stream_time_ = 0.0;
        advances_.clear();
        wall0_ms_ = wall_ms;
        wire::frame_writer(out_, frame_type::reset_ok).finish();
        return;
      case frame_type::plasticity: {
        const std::uint8_t on = r.u8();
        r.end();
        if (on > 1) throw wire::malformed_frame(fmt::format("state {}, expected 0 or 1", on));
        for (std::size_t k = 0; k < net_->plasticity_count(); ++k) net_->plastic(k).set_learning(on == 1);
        wire::frame_writer(out_, frame_type::plasticity_ok).u8(on).finish();
        return;
      }
      case frame_type::read_counters: {
        r.end();
        flush_spikes();
        nlohmann::json c = event_driven_counters_json(sim_->counters(), *net_, std::max(0.0, processed_to_));
        c["session"] = summary();
        wire::append_text_frame(out_, frame_type::counters, c.dump());
        return;
      }
      case frame_type::read_weights: return read_weights(r);
      case frame_type::bye:
        r.end();
        answer_bye_ = true;
        bye_time_ = paced_ ? std::max(processed_to_, paced_time(wall_ms)) : std::max(stream_time_, processed_to_);
        target_ = std::max(target_, bye_time_);
        return;
      default: return fail(error_code::unknown_type, fmt::format("unknown frame type 0x{:02x}", static_cast<int>(f.type)));
    }
  } catch (const wire::malformed_frame& e) {
    fail(error_code::malformed, fmt::format("{} frame: {}", wire::type_name(f.type), e.what()));
  } catch (const input_error& e) {
    fail(error_code::simulation, e.what());
  }
}

void serve_session::hello(wire::payload_reader& r, double wall_ms) {
  const std::uint16_t version = r.u16();
  const std::uint8_t mode = r.u8();
  const double factor = r.f64();
  r.end();
  if (version != wire::protocol_version)
    return fail(error_code::bad_hello, fmt::format("protocol version {}; this server speaks {}", version,
                                                   wire::protocol_version));
  if (mode > 1) return fail(error_code::bad_hello, fmt::format("time mode {}: 0 (client timestamps) or 1 (paced)", mode));
  if (mode == 1 && !(factor > 0.0 && factor <= 1e6))
    return fail(error_code::bad_hello, fmt::format("real-time factor {}: must be in (0, 1e6]", factor));
  hello_done_ = true;
  paced_ = mode == 1;
  factor_ = paced_ ? factor : 1.0;
  wall0_ms_ = wall_ms;
  nlohmann::json info = {{"protocol", wire::protocol_version},
                         {"time_mode", paced_ ? "paced" : "client"},
                         {"real_time_factor", factor_},
                         {"input", {{"population", net_->pop(input_id_).name()}, {"size", net_->pop(input_id_).size()}}},
                         {"duration_ms", net_->duration_ms}};
  for (std::uint32_t p = 0; p < net_->population_count(); ++p)
    info["populations"].push_back({{"index", p}, {"name", net_->pop(p).name()}, {"model", net_->pop(p).model()},
                                   {"size", net_->pop(p).size()}});
  info["projections"] = nlohmann::json::array();
  for (std::uint32_t k = 0; k < net_->projection_count(); ++k) info["projections"].push_back(net_->proj(k).name());
  info["plastic"] = net_->plasticity_count() > 0;
  const std::string text = info.dump();
  wire::frame_writer(out_, frame_type::hello_ok).u16(wire::protocol_version).bytes(text).finish();
}

void serve_session::events(wire::payload_reader& r, bool now, double wall_ms) {
  const std::uint32_t n = r.u32();
  const std::size_t each = now ? wire::now_event_bytes : wire::event_bytes;
  if (r.left() != std::size_t{n} * each)
    throw wire::malformed_frame(fmt::format("{} events need {} bytes, {} follow", n, std::size_t{n} * each, r.left()));
  // Input must come after what was simulated (also by a turn that stopped part way), and after what an advance
  // announced as complete.
  const double done = std::max({processed_to_, partial_to_, advanced_to_});
  const double floor = done == -inf ? 0.0 : std::nextafter(done, inf);
  const double now_ms = std::max(paced_ ? paced_time(wall_ms) : stream_time_, floor);
  const std::uint32_t size = net_->pop(input_id_).size();
  batch_.clear();
  double latest = stream_time_;
  for (std::uint32_t k = 0; k < n; ++k) {
    input_event e;
    e.time_ms = now ? now_ms : r.f64();
    e.channel = r.u32();
    const float grade = r.f32();
    if (!(e.time_ms >= 0.0 && e.time_ms <= max_time_ms))
      return fail(error_code::bad_event, fmt::format("event {}: time {} ms is not in [0, 1e12]", k, e.time_ms));
    if (e.channel >= size)
      return fail(error_code::bad_event, fmt::format("event {}: channel {} out of range (input size {})", k, e.channel, size));
    if (!std::isfinite(grade)) return fail(error_code::bad_event, fmt::format("event {}: grade is not finite", k));
    e.grade = grade;
    if (e.time_ms < floor) {
      if (!paced_)
        return fail(error_code::bad_event, fmt::format("event {}: time {} ms is not after {} ms, already simulated or "
                                                       "announced complete by advance", k, e.time_ms, done));
      ++late_events_;
      e.time_ms = floor;
    }
    latest = std::max(latest, e.time_ms);
    batch_.push_back(e);
  }
  input_->stream_input(batch_);
  input_events_ += n;
  if (!paced_) {
    stream_time_ = latest;
    // More events may still come at the latest time: simulate up to just before it.
    if (n > 0) target_ = std::max(target_, std::nextafter(latest, -inf));
  }
}

void serve_session::read_weights(wire::payload_reader& r) {
  const std::uint16_t length = r.u16();
  const std::string name = r.text(length);
  r.end();
  const auto id = net_->find_projection(name);
  if (!id) return fail(error_code::unknown_projection, fmt::format("no projection named '{}'", name));
  const projection* proj = &net_->proj(*id);
  const std::size_t total = proj->synapse_count();
  const std::size_t per_frame = (wire::max_frame_bytes - 64 - name.size()) / 16;
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min(per_frame, total - offset);
    wire::frame_writer w(out_, frame_type::weights);
    w.u16(length).bytes(name).u32(proj->n_pre()).u32(proj->n_post()).u64(total).u64(offset).u32(static_cast<std::uint32_t>(n));
    for (std::size_t s = offset; s < offset + n; ++s) {
      const auto syn = static_cast<std::uint32_t>(s);
      w.u32(proj->pre_of(syn)).u32(proj->post_of(syn)).f64(proj->weight(syn));
    }
    w.finish();
    offset += n;
  } while (offset < total);
}

void serve_session::on_spike(const spike_record& s) {
  if (paced_ && output_full()) {
    ++spikes_dropped_;
    return;
  }
  spikes_.push_back(s);
  if (spikes_.size() >= wire::max_spikes_per_frame) flush_spikes();
}

void serve_session::flush_spikes() {
  for (std::size_t at = 0; at < spikes_.size(); at += wire::max_spikes_per_frame) {
    const std::size_t n = std::min(wire::max_spikes_per_frame, spikes_.size() - at);
    wire::frame_writer w(out_, frame_type::spikes);
    w.u32(static_cast<std::uint32_t>(n));
    for (std::size_t k = at; k < at + n; ++k) w.f64(spikes_[k].time_ms).u32(spikes_[k].population).u32(spikes_[k].neuron);
    w.finish();
  }
  spikes_sent_ += spikes_.size();
  spikes_.clear();
  if (spikes_dropped_ != dropped_reported_) {
    wire::frame_writer(out_, frame_type::dropped).u64(spikes_dropped_).finish();
    dropped_reported_ = spikes_dropped_;
  }
}

bool serve_session::work(double wall_ms) {
  if (closed_ || !hello_done_) return false;
  if (paced_ && !answer_bye_) target_ = std::max(target_, paced_time(wall_ms));
  if (!paced_ && output_full()) return true;  // the client reads first
  if (target_ > processed_to_) {
    const std::uint64_t start = sim_->events_processed();
    sim_->set_stop_poll(
        [&] { return sim_->events_processed() - start >= limits_.events_per_turn || (!paced_ && output_full()); },
        std::max<std::uint64_t>(1, limits_.events_per_turn / 16));
    try {
      sim_->run_until(target_);
    } catch (const input_error& e) {
      fail(error_code::simulation, e.what());
      return false;
    }
    if (sim_->stopped() == stop_reason::max_pending) {  // a runaway network: it would stop again at once
      fail(error_code::simulation, sim_->pending_stop_text());
      return false;
    }
    if (sim_->stopped() != stop_reason::none) {
      sim_->clear_stop();
      partial_to_ = std::max(partial_to_, sim_->now());  // events up to now (some at now) are done
      flush_spikes();
      return true;
    }
    processed_to_ = target_;
  }
  flush_spikes();
  while (!advances_.empty() && advances_.front() <= processed_to_) {
    wire::frame_writer(out_, frame_type::advanced).f64(advances_.front()).finish();
    advances_.pop_front();
  }
  if (answer_bye_ && processed_to_ >= bye_time_) {
    sim_->settle();
    wire::append_text_frame(out_, frame_type::bye_ok, summary().dump());
    closed_ = true;
    return false;
  }
  if (!paced_ && input_->pending_input() >= limits_.max_pending_events)
    fail(error_code::bad_event, fmt::format("{} input events wait at {} ms or later, the most a stream may pile up "
                                            "ahead of the simulation; send advance (or fewer events at one time)",
                                            input_->pending_input(), stream_time_));
  return false;
}

void serve_session::shutdown() {
  if (closed_) return;
  flush_spikes();
  sim_->settle();
  fail(error_code::shutting_down, "the server is shutting down");
}

nlohmann::json serve_session::summary() const {
  return {{"time_ms", std::max(0.0, processed_to_)}, {"input_events", input_events_},
          {"spikes_sent", spikes_sent_},           {"spikes_dropped", spikes_dropped_},
          {"late_events", late_events_},           {"events_processed", sim_->events_processed()}};
}

void serve_session::write_weights(const std::filesystem::path& dir) const {
  if (net_->plasticity_count() == 0) return;
  std::vector<std::string> names = plastic_weight_files(*net_);
  names.push_back("network.json");
  output_folder out(dir, "serve", names, "network.json");
  write_plastic_outputs(out, *net_, *doc_, base_dir_);
  out.commit();
}

}  // namespace evsnn::cli
