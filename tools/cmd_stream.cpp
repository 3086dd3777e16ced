// evsnn stream --events FILE.csv [--host H] [--port P] [--out SPIKES.csv] [--duration-ms T] [--batch N]
//              [--paced [--factor F]]
// The client of `evsnn serve` (docs/protocol.md): sends the events of a CSV (time_ms,channel[,grade], as
// spikes_csv) and writes the spikes it gets back as spikes.csv is written by `evsnn run` (time_ms,population,
// neuron; shortest round-trip times), so the two can be compared byte for byte. With client timestamps
// (default) it sends every event, then "advance" to --duration-ms (default: the network's duration_ms, else
// the last event) and "bye". --paced sends each event when the wall clock reaches its time (divided by the
// real-time factor) and ends at the same time. A reader thread takes the server's frames while the main thread
// sends, so a server applying back-pressure never deadlocks the client. Prints the server's summary.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "models/spike_source.hpp"
#include "tools/command.hpp"
#include "tools/run_output.hpp"
#include "tools/serve_protocol.hpp"

namespace evsnn::cli {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct stream_cli {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7878;
  std::string events;
  std::string out;
  double duration_ms = 0.0;
  std::size_t batch = 4096;
  bool paced = false;
  double factor = 1.0;
};

// What the reader thread learns from the server.
struct inbox {
  std::mutex m;
  std::condition_variable cv;
  bool hello = false, done = false;
  nlohmann::json info, summary;
  std::string error;
  std::uint64_t spikes = 0, dropped = 0;
};

// writer: set (under writer_ready, or left null without --out) once hello_ok named the populations.
void read_frames(tcp::socket& socket, inbox& in, const std::unique_ptr<spike_csv_writer>* writer,
                 std::mutex* writer_ready) {
  wire::frame_parser parser(std::uint32_t{1} << 30);
  std::array<std::uint8_t, 65536> buf{};
  std::size_t populations = 0;
  auto finish = [&](std::string error) {
    std::lock_guard lock(in.m);
    if (in.error.empty()) in.error = std::move(error);
    in.done = true;
    in.cv.notify_all();
  };
  try {
    for (;;) {
      boost::system::error_code ec;
      const std::size_t n = socket.read_some(asio::buffer(buf), ec);
      if (ec) return finish(ec == asio::error::eof ? "the server closed the connection before bye_ok" : ec.message());
      parser.feed({buf.data(), n});
      while (auto f = parser.next()) {
        wire::payload_reader r(f->payload);
        switch (f->type) {
          case wire::frame_type::hello_ok: {
            r.u16();
            std::lock_guard lock(in.m);
            in.info = nlohmann::json::parse(r.text(r.left()));
            populations = in.info["populations"].size();
            in.hello = true;
            in.cv.notify_all();
            break;
          }
          case wire::frame_type::spikes: {
            const std::uint32_t count = r.u32();
            std::lock_guard ready(*writer_ready);
            for (std::uint32_t k = 0; k < count; ++k) {
              spike_record s;
              s.time_ms = r.f64();
              s.population = r.u32();
              s.neuron = r.u32();
              if (s.population >= populations)
                return finish(fmt::format("a spike of population {} from the server, which named {}", s.population,
                                          populations));
              if (*writer) (*writer)->on_spike(s);
            }
            in.spikes += count;
            break;
          }
          case wire::frame_type::dropped: in.dropped = r.u64(); break;
          case wire::frame_type::bye_ok: {
            std::lock_guard lock(in.m);
            in.summary = nlohmann::json::parse(r.text(r.left()));
            in.done = true;
            in.cv.notify_all();
            return;
          }
          case wire::frame_type::error: {
            const std::uint16_t code = r.u16();
            return finish(fmt::format("server error {}: {}", code, r.text(r.left())));
          }
          default: break;  // advanced, counters, ...: not used here
        }
      }
      if (parser.failed()) return finish("a malformed frame from the server: " + parser.failure_text());
    }
  } catch (const std::exception& e) {
    finish(fmt::format("a malformed frame from the server: {}", e.what()));
  }
}

void stream_command(const stream_cli& o) {
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec;
  const auto endpoints = tcp::resolver(io).resolve(o.host, std::to_string(o.port), ec);
  if (!ec) asio::connect(socket, endpoints, ec);
  if (ec) throw input_error(fmt::format("cannot connect to {}:{}: {}", o.host, o.port, ec.message()));
  inbox in;
  std::unique_ptr<spike_csv_writer> out;  // spikes.csv as evsnn run writes it, once hello_ok named the populations
  std::mutex writer_ready;
  writer_ready.lock();
  std::thread reader(read_frames, std::ref(socket), std::ref(in), &out, &writer_ready);
  struct joiner {
    std::thread& t;
    tcp::socket& s;
    ~joiner() {
      boost::system::error_code e;
      s.shutdown(tcp::socket::shutdown_both, e);
      if (t.joinable()) t.join();
    }
  } join{reader, socket};
  std::vector<std::uint8_t> bytes;
  auto send = [&] {
    asio::write(socket, asio::buffer(bytes), ec);
    bytes.clear();
    if (ec) {
      std::lock_guard lock(in.m);
      throw input_error(in.error.empty() ? fmt::format("sending to the server: {}", ec.message()) : in.error);
    }
  };
  wire::append_hello(bytes, o.paced ? 1 : 0, o.factor);
  send();
  std::uint32_t channels = 0;
  double duration = o.duration_ms;
  {
    std::unique_lock lock(in.m);
    in.cv.wait(lock, [&] { return in.hello || in.done; });
    if (!in.hello) {
      writer_ready.unlock();
      throw input_error(in.error);
    }
    std::vector<std::string> names;
    for (const auto& p : in.info["populations"]) names.push_back(p["name"].get<std::string>());
    channels = in.info["input"]["size"].get<std::uint32_t>();
    if (!(duration > 0) && in.info["duration_ms"].is_number()) duration = in.info["duration_ms"].get<double>();
    try {
      if (!o.out.empty()) out = std::make_unique<spike_csv_writer>(o.out, std::move(names), false);
    } catch (...) {
      writer_ready.unlock();
      throw;
    }
  }
  writer_ready.unlock();
  const std::vector<input_event> events = read_spike_csv(o.events, channels);
  if (!(duration > 0)) duration = events.empty() ? 0.0 : events.back().time_ms;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t at = 0; at < events.size(); at += o.batch) {
    const std::size_t n = std::min(o.batch, events.size() - at);
    if (o.paced)  // send a batch when the clock reaches its first event
      std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                std::chrono::duration<double, std::milli>(events[at].time_ms / o.factor)));
    wire::append_events(bytes, std::span(events).subspan(at, n));
    send();
  }
  if (o.paced) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                              std::chrono::duration<double, std::milli>(duration / o.factor)));
  } else {
    wire::frame_writer(bytes, wire::frame_type::advance).f64(duration).finish();
  }
  wire::frame_writer(bytes, wire::frame_type::bye).finish();
  send();
  std::unique_lock lock(in.m);
  in.cv.wait(lock, [&] { return in.done; });
  if (!in.error.empty()) throw input_error(in.error);
  if (out) out->commit();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("{} events sent, {} spikes received{} in {:.3f} s; server: {}\n", events.size(), in.spikes,
             in.dropped > 0 ? fmt::format(" ({} dropped by the server)", in.dropped) : "", wall, in.summary.dump());
}

}  // namespace

void add_stream_command(CLI::App& app) {
  auto o = std::make_shared<stream_cli>();
  auto* cmd = app.add_subcommand("stream", "Stream a CSV of input events to `evsnn serve` and write the spikes it returns");
  cmd->add_option("--events", o->events, "CSV of time_ms,channel[,grade] (as spikes_csv)")->required();
  cmd->add_option("--host", o->host, "Server address")->capture_default_str();
  cmd->add_option("--port", o->port, "Server port")->capture_default_str();
  cmd->add_option("--out", o->out, "Write the spikes received here (time_ms,population,neuron, as evsnn run's spikes.csv)");
  cmd->add_option("--duration-ms", o->duration_ms, "Stream time to end at (default: the network's duration_ms)")
      ->check(time_ms(false));
  cmd->add_option("--batch", o->batch, "Events per frame")->check(CLI::Range(std::size_t{1}, wire::max_events_per_frame))
      ->capture_default_str();
  auto* paced = cmd->add_flag("--paced", o->paced, "Send events on the wall clock; the server paces the network");
  cmd->add_option("--factor", o->factor, "Real-time factor of --paced (2: twice as fast as real time)")
      ->check(positive())
      ->needs(paced);
  cmd->callback([o] { stream_command(*o); });
}

}  // namespace evsnn::cli
