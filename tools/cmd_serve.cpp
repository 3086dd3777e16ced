// evsnn serve NET.json [--port P] [--bind ADDR] [--input POP] [--max-clients N] [--idle-timeout-s S] [--tick-ms T]
//                      [--out DIR] [--max-pending-events N] [--max-output-mb M] [--quiet]
// Serves a network over TCP (tools/serve_server, docs/protocol.md): each client streams input events into its
// own instance of the network and gets its spikes back as they happen, with the client's timestamps
// (deterministic) or paced to the wall clock. The network is built and checked once before listening; the
// line "evsnn serve: listening on ADDR:PORT ..." on stdout says it is ready. SIGINT/SIGTERM shut it down
// cleanly (exit 0): every client gets a last frame and, with --out, plastic sessions leave their weights.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "engine/array_cache.hpp"
#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "engine/network_loader.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tools/command.hpp"
#include "engine/atomic_file.hpp"
#include "tools/serve_server.hpp"

namespace evsnn::cli {
namespace {

struct serve_cli {
  std::string net_path;
  serve_options options;
  double max_output_mb = 8.0;
};

void serve_command(serve_cli& o) {
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  const auto doc = std::make_shared<const nlohmann::json>(parse_json_file(o.net_path));
  const std::filesystem::path base = network_dir(o.net_path);
  o.options.limits.max_output_bytes = static_cast<std::size_t>(o.max_output_mb * 1024 * 1024);
  // The network's weight and array files (CSV, .npy, HDF5), read once by the probe: every client gets them as they
  // were at start (a file changed or removed later changes nothing), without a read (for HDF5, a child process)
  // or a parse per connection.
  array_cache arrays;
  // One session built now, and dropped: a network that cannot be served fails before the port opens.
  serve_session(doc, o.net_path, base, models, rules, o.options.input, o.options.limits, &arrays);
  if (!o.options.out_dir.empty()) {
    std::filesystem::create_directories(o.options.out_dir);
    const auto probe_file = std::filesystem::path(o.options.out_dir) / ".evsnn-serve-check";
    write_file_atomic(probe_file, "");  // an unwritable folder fails now, not when a client leaves
    std::filesystem::remove(probe_file);
  }
  boost::asio::io_context io;
  serve_server server(io, doc, o.net_path, base, models, rules, o.options, arrays);
  server.start();
  fmt::print("evsnn serve: listening on {}:{} ({}, protocol {})\n", o.options.bind, server.port(), o.net_path,
             wire::protocol_version);
  std::fflush(stdout);
  io.run();
  const serve_stats& s = server.stats();
  fmt::print("evsnn serve: stopped after {} connections ({} refused as over the limit, {} whose session could not "
             "start)\n",
             s.connections, s.refused, s.errors);
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto o = std::make_shared<serve_cli>();
  auto* cmd = app.add_subcommand("serve", "Serve a network over TCP: clients stream input events and get spikes back "
                                          "(protocol: docs/protocol.md)");
  cmd->add_option("network", o->net_path, "Network JSON file with one spike_source \"external\": true")->required();
  cmd->add_option("--port", o->options.port, "TCP port (0: any free port, printed on the ready line)")
      ->capture_default_str();
  cmd->add_option("--bind", o->options.bind, "Address to listen on (0.0.0.0 for every interface)")->capture_default_str();
  cmd->add_option("--input", o->options.input, "Input population (default: the only external spike_source)");
  cmd->add_option("--max-clients", o->options.max_clients, "Clients at once; more get an error frame")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--idle-timeout-s", o->options.idle_timeout_s,
                  "Close a client that sends no frame for this long (0: never)")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_option("--tick-ms", o->options.tick_ms, "Paced clients: simulate and send spikes this often (wall ms)")
      ->check(number_above(0.05, true))
      ->capture_default_str();
  cmd->add_option("--out", o->options.out_dir,
                  "Folder for the weights of clients' networks that learned (session-<n>/network.json, weights_*.csv)");
  cmd->add_option("--max-pending-events", o->options.limits.max_pending_events,
                  "Input events a client may have waiting (reading stops at the cap)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--max-output-mb", o->max_output_mb,
                  "Output a client may have waiting: timestamp mode pauses, paced mode drops and counts")
      ->check(number_above(0.01, true))
      ->capture_default_str();
  cmd->add_flag("--quiet", o->options.quiet, "No log line per client on stderr");
  cmd->callback([o] { serve_command(*o); });
}

}  // namespace evsnn::cli
