#include "engine/partitioned_run.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "engine/spike_order.hpp"

namespace evsnn {

namespace {
constexpr std::size_t record_bytes = 20;  // time (8), population (4), neuron (4), grade (4)

void put(std::vector<std::byte>& out, const spike_record& s) {
  const std::size_t at = out.size();
  out.resize(at + record_bytes);
  std::memcpy(out.data() + at, &s.time_ms, 8);
  std::memcpy(out.data() + at + 8, &s.population, 4);
  std::memcpy(out.data() + at + 12, &s.neuron, 4);
  std::memcpy(out.data() + at + 16, &s.grade, 4);
}

spike_record get(const std::byte* in) {
  spike_record s{};
  std::memcpy(&s.time_ms, in, 8);
  std::memcpy(&s.population, in + 8, 4);
  std::memcpy(&s.neuron, in + 12, 4);
  std::memcpy(&s.grade, in + 16, 4);
  return s;
}
}  // namespace

bool partitioned_run::run(double duration_ms, spike_sink* output) {
  sim_.set_spike_sink(&outbox_);
  const double window = sim_.net().part().window_ms();
  bool stopped = false;
  sim_.begin_sample(0.0, true);
  for (double start = 0.0;;) {
    const double end = start + window;
    const bool last = !(end <= duration_ms);
    if (last)
      sim_.run_until(duration_ms);
    else
      sim_.run_before(end);
    ++stats_.windows;
    stopped = exchange(output);
    if (last || stopped) break;
    start = end;
  }
  if (!stopped) sim_.end_sample(duration_ms);
  sim_.set_spike_sink(nullptr);
  return !stopped;
}

bool partitioned_run::exchange(spike_sink* output) {
  mine_.clear();
  mine_.push_back(static_cast<std::byte>(sim_.stopped() != stop_reason::none ? 1 : 0));
  for (const spike_record& s : outbox_.spikes) put(mine_, s);
  stats_.spikes_sent += outbox_.spikes.size();
  outbox_.spikes.clear();
  const auto t0 = std::chrono::steady_clock::now();
  comm_.gather_varied(mine_, all_, counts_);
  stats_.exchange_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stats_.bytes_received += all_.size() - mine_.size();
  const bool writes = comm_.rank() == 0 && output != nullptr;
  window_.clear();
  bool stopped = false;
  std::size_t at = 0;
  for (std::size_t r = 0; r < counts_.size(); ++r) {
    const std::size_t end = at + counts_[r];
    stopped |= all_[at] != std::byte{0};
    const bool own = static_cast<int>(r) == comm_.rank();
    for (std::size_t k = at + 1; k + record_bytes <= end; k += record_bytes) {
      const spike_record s = get(all_.data() + k);
      if (!own) sim_.receive_spike(s);
      if (writes) window_.push_back(s);
    }
    at = end;
  }
  if (writes) {
    std::sort(window_.begin(), window_.end(), spike_order);
    for (const spike_record& s : window_) output->on_spike(s);
  }
  return stopped;
}

}  // namespace evsnn
