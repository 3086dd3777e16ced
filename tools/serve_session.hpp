#pragma once
// serve_session: one client of `evsnn serve` and its own instance of the network — the protocol's
// semantics (docs/protocol.md) without the sockets, so they are tested directly. The server feeds it
// decoded frames and the wall clock, calls work() while it has work, and sends what output() holds.
// Time modes:
//  - client timestamps (deterministic): events carry their times; the network is simulated as fast as
//    possible up to just before the latest event time (more events may come at that time), to t on
//    "advance t", and to the stream's latest time on "bye". The same events give the same spikes as
//    `evsnn run` replaying them (the input source emits them as a replay list does).
//  - paced: simulated time follows the wall clock times a real-time factor; "now" events enter at the
//    current simulated time, late timestamped events too (counted as late).
// Bounds: work() does at most events_per_turn events per call (the server interleaves clients); input
// events not yet emitted are capped (max_pending_events; the server stops reading, and in timestamp mode
// a stream that piles more events at one time is an error); output waiting to be sent is capped
// (max_output_bytes, including the server's backlog): timestamp mode pauses the simulation until the
// client reads, paced mode drops spikes and counts them.
// Invariants: no frame is handled after the session closed; every error is one error frame, after which
// closed() is true; output() only ever holds whole frames.
#include <cstdint>
#include <deque>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/model_registry.hpp"
#include "engine/network.hpp"
#include "engine/plasticity.hpp"
#include "engine/simulator.hpp"
#include "tools/serve_protocol.hpp"

namespace evsnn {
class array_cache;
class spike_source;
}

namespace evsnn::cli {

struct serve_limits {
  std::size_t max_pending_events = std::size_t{1} << 20;
  std::size_t max_output_bytes = std::size_t{8} << 20;
  std::uint64_t events_per_turn = 200000;
};

class serve_session : public spike_sink {
 public:
  // doc: the network document (built afresh for this session; shared, not copied: it is the template of the
  // network.json a learning session writes); input: the external input population's name (empty: the only
  // spike_source with "external": true); arrays: where the document's weight and array files are read through
  // (the server's cache: every session gets them as the first one read them), or null.
  serve_session(std::shared_ptr<const nlohmann::json> doc, const std::string& file,
                const std::filesystem::path& base_dir, const model_registry& models, const plasticity_registry& rules,
                const std::string& input, const serve_limits& limits, array_cache* arrays = nullptr);
  ~serve_session() override;

  // Handles one frame received at wall time wall_ms (a steady clock, ms).
  void handle(const wire::frame& f, double wall_ms);
  // The parser failed: an error frame and close.
  void reject(wire::error_code code, const std::string& text);
  // Simulates at most one turn; true when work remains (call again, after output drains if it is full).
  bool work(double wall_ms);
  // Bytes the server still has to send (for the output cap).
  void set_backlog(std::size_t bytes) { backlog_ = bytes; }
  // Whole frames to send; the caller moves them out (swap).
  std::vector<std::uint8_t>& output() { return out_; }
  // False: stop reading from the client (pending input or output at their caps).
  bool wants_input() const;
  bool paced() const { return paced_; }
  bool closed() const { return closed_; }
  // Server shutdown: an error frame (shutting_down), plasticity settled; closed() afterwards.
  void shutdown();
  // The network's plastic weights and network.json into dir (output_folder), when it has plasticity.
  void write_weights(const std::filesystem::path& dir) const;

  void on_spike(const spike_record& s) override;

 private:
  void fail(wire::error_code code, const std::string& text);
  void hello(wire::payload_reader& r, double wall_ms);
  void events(wire::payload_reader& r, bool now, double wall_ms);
  void read_weights(wire::payload_reader& r);
  void flush_spikes();
  double paced_time(double wall_ms) const;
  bool output_full() const { return out_.size() + backlog_ + spikes_.size() * wire::spike_bytes >= limits_.max_output_bytes; }
  nlohmann::json summary() const;

  std::shared_ptr<const nlohmann::json> doc_;
  std::filesystem::path base_dir_;
  serve_limits limits_;
  std::unique_ptr<network> net_;
  std::unique_ptr<simulator> sim_;
  spike_source* input_ = nullptr;
  std::uint32_t input_id_ = 0;
  std::vector<std::uint8_t> out_;
  std::vector<spike_record> spikes_;  // emitted, not yet framed
  std::vector<input_event> batch_;    // events of the frame being handled
  std::size_t backlog_ = 0;
  bool hello_done_ = false;
  bool paced_ = false;
  bool closed_ = false;
  double factor_ = 1.0;
  double wall0_ms_ = 0.0;
  // Timestamp mode: the time simulated to (every event up to it processed; later input must come after it),
  // the time work() may run to, the latest event time, and what to answer when the target is reached.
  double processed_to_ = -std::numeric_limits<double>::infinity();
  double target_ = -std::numeric_limits<double>::infinity();
  double advanced_to_ = -std::numeric_limits<double>::infinity();  // the latest advance
  double partial_to_ = -std::numeric_limits<double>::infinity();   // where a turn that stopped part way got to
  double stream_time_ = 0.0;
  std::deque<double> advances_;  // advance times not yet answered
  bool answer_bye_ = false;
  double bye_time_ = 0.0;
  std::uint64_t input_events_ = 0, spikes_sent_ = 0, spikes_dropped_ = 0, late_events_ = 0, dropped_reported_ = 0;
};

}  // namespace evsnn::cli
