#pragma once
// serve_server: `evsnn serve` on Boost.Asio — a TCP acceptor and one connection per client, each with its own
// serve_session (its own instance of the network), all on one thread: a session simulates at most one turn of
// events at a time (serve_limits::events_per_turn) and yields, so clients are interleaved fairly.
// Per connection: reads stop while the session does not want input (back-pressure: its pending input or its
// output is at the cap), writes go out in order, an idle timer closes a connection that sends nothing for
// idle_timeout_s (an error frame first), a paced session is ticked every tick_ms, and a connection that has
// sent its last frame (error or bye_ok) is closed once written, or after 2 s if the client does not read it.
// A malformed, truncated or oversized frame closes only its own connection. More than max_clients at once:
// the newcomer gets an error frame (server_full) and is closed. SIGINT/SIGTERM: the acceptor closes, every
// session gets a shutting_down error frame, and with an output folder every plastic session's weights are
// written atomically (out_dir/session-<n>/); the run then returns.
// The engine knows nothing of this: Asio stays in tools/.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "engine/array_cache.hpp"
#include "engine/model_registry.hpp"
#include "engine/plasticity.hpp"
#include "tools/serve_session.hpp"

namespace evsnn::cli {

struct serve_options {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 7878;  // 0: any free port
  std::size_t max_clients = 16;
  double idle_timeout_s = 60.0;
  double tick_ms = 1.0;       // paced sessions: simulate and flush this often (wall time)
  std::string out_dir;        // where sessions with plasticity leave their weights (empty: nowhere)
  std::string input;          // the input population (empty: the only external spike_source)
  serve_limits limits;
  bool quiet = false;         // no per-connection log lines on stderr
};

struct serve_stats {
  std::uint64_t connections = 0, refused = 0, errors = 0;
};

class serve_server {
 public:
  // doc: the network document, shared with every session; arrays: the cache every session's network reads its
  // weight and array files through (outlives the server).
  serve_server(boost::asio::io_context& io, std::shared_ptr<const nlohmann::json> doc, std::string file,
               std::filesystem::path base_dir, const model_registry& models, const plasticity_registry& rules,
               serve_options options, array_cache& arrays);
  ~serve_server();
  // The port bound (useful with port 0).
  std::uint16_t port() const;
  // Starts accepting and listens for SIGINT/SIGTERM.
  void start();
  // Closes the acceptor and every session (what a signal does).
  void stop();
  const serve_stats& stats() const { return stats_; }

 private:
  class connection;
  void accept();
  void closed(connection* c);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::signal_set signals_;
  std::shared_ptr<const nlohmann::json> doc_;
  std::string file_;
  std::filesystem::path base_dir_;
  const model_registry& models_;
  const plasticity_registry& rules_;
  serve_options options_;
  array_cache& arrays_;
  std::vector<std::shared_ptr<connection>> connections_;
  serve_stats stats_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
};

}  // namespace evsnn::cli
