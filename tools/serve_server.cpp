#include "tools/serve_server.hpp"

#include <array>
#include <chrono>
#include <deque>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn::cli {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
double wall_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

class serve_server::connection : public std::enable_shared_from_this<connection> {
 public:
  connection(serve_server& server, tcp::socket socket, std::unique_ptr<serve_session> session, std::uint64_t id)
      : server_(server),
        socket_(std::move(socket)),
        session_(std::move(session)),
        id_(id),
        idle_(socket_.get_executor()),
        tick_(socket_.get_executor()),
        linger_(socket_.get_executor()) {}

  void start() {
    boost::system::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);  // spikes go out as they are made, not after Nagle's wait
    const auto peer = socket_.remote_endpoint(ec);
    peer_ = ec ? std::string("?") : fmt::format("{}:{}", peer.address().to_string(), peer.port());
    log("connected");
    arm_idle();
    read();
  }

  // Server shutdown: the session's last frame, then close.
  void shutdown() {
    session_->shutdown();
    pump();
  }

  std::uint64_t id() const { return id_; }

 private:
  void log(const std::string& what) const {
    if (!server_.options_.quiet) fmt::print(stderr, "evsnn serve: client {} ({}): {}\n", id_, peer_, what);
  }

  void arm_idle() {
    if (server_.options_.idle_timeout_s <= 0.0) return;
    idle_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(server_.options_.idle_timeout_s)));
    idle_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->session_->closed()) return;
      self->session_->reject(wire::error_code::idle_timeout,
                             fmt::format("no frame for {} s", self->server_.options_.idle_timeout_s));
      self->pump();
    });
  }

  void read() {
    if (reading_ || done_ || !session_->wants_input()) return;
    reading_ = true;
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      self->reading_ = false;
      if (ec) {
        if (!self->session_->closed()) self->log(ec == asio::error::eof ? "disconnected" : "read failed: " + ec.message());
        self->close();
        return;
      }
      self->arm_idle();
      self->parser_.feed({self->buffer_.data(), n});
      while (!self->session_->closed()) {
        auto f = self->parser_.next();
        if (!f) break;
        self->session_->handle(*f, wall_ms());
      }
      if (self->parser_.failed()) self->session_->reject(self->parser_.failure(), self->parser_.failure_text());
      self->pump();
    });
  }

  // Moves the session's output to the write queue.
  void take_output() {
    auto& out = session_->output();
    if (!out.empty()) {
      backlog_ += out.size();
      queue_.emplace_back();
      queue_.back().swap(out);
    }
    session_->set_backlog(backlog_);
  }

  // Takes the output, starts work, writes, reads, closes when done.
  void pump() {
    if (done_) return;
    take_output();
    if (session_->paced() && !ticking_ && !session_->closed()) tick();
    schedule_work();
    write();
    read();
    if (session_->closed()) {
      if (!logged_close_) {
        logged_close_ = true;
        log("closing");
        idle_.cancel();
        tick_.cancel();
        linger_.expires_after(std::chrono::seconds(2));
        linger_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
          if (!ec) self->close();
        });
      }
      if (queue_.empty() && !writing_) close();
    }
  }

  void schedule_work() {
    if (work_posted_ || session_->closed() || backlog_ >= server_.options_.limits.max_output_bytes) return;
    work_posted_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->work_posted_ = false;
      if (self->done_) return;
      self->more_work_ = self->session_->work(wall_ms());
      self->pump_after_work();
    });
  }

  void pump_after_work() {
    const bool more = more_work_;
    more_work_ = false;
    take_output();
    if (more) schedule_work();
    write();
    read();
    if (session_->closed()) pump();
  }

  void tick() {
    ticking_ = true;
    tick_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double, std::milli>(server_.options_.tick_ms)));
    tick_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      self->ticking_ = false;
      if (ec || self->done_ || self->session_->closed()) return;
      self->more_work_ = self->session_->work(wall_ms());
      self->pump_after_work();
      if (!self->ticking_ && !self->session_->closed()) self->tick();
    });
  }

  void write() {
    if (writing_ || queue_.empty() || done_) return;
    writing_ = true;
    asio::async_write(socket_, asio::buffer(queue_.front()), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) {
        self->log("write failed: " + ec.message());
        self->close();
        return;
      }
      self->backlog_ -= self->queue_.front().size();
      self->queue_.pop_front();
      self->session_->set_backlog(self->backlog_);
      self->pump();
    });
  }

  void close() {
    if (done_) return;
    done_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    idle_.cancel();
    tick_.cancel();
    linger_.cancel();
    if (!server_.options_.out_dir.empty()) {
      try {
        session_->write_weights(std::filesystem::path(server_.options_.out_dir) / fmt::format("session-{}", id_));
      } catch (const std::exception& e) {
        fmt::print(stderr, "evsnn serve: client {}: cannot write its weights: {}\n", id_, e.what());
      }
    }
    log("closed");
    server_.closed(this);
  }

  serve_server& server_;
  tcp::socket socket_;
  std::unique_ptr<serve_session> session_;
  std::uint64_t id_;
  std::string peer_;
  wire::frame_parser parser_;
  std::array<std::uint8_t, 65536> buffer_{};
  std::deque<std::vector<std::uint8_t>> queue_;
  std::size_t backlog_ = 0;
  asio::steady_timer idle_, tick_, linger_;
  bool reading_ = false, writing_ = false, work_posted_ = false, more_work_ = false, ticking_ = false;
  bool done_ = false, logged_close_ = false;
};

serve_server::serve_server(asio::io_context& io, std::shared_ptr<const nlohmann::json> doc, std::string file,
                           std::filesystem::path base_dir, const model_registry& models,
                           const plasticity_registry& rules, serve_options options, array_cache& arrays)
    : io_(io),
      acceptor_(io),
      signals_(io, SIGINT, SIGTERM),
      doc_(std::move(doc)),
      file_(std::move(file)),
      base_dir_(std::move(base_dir)),
      models_(models),
      rules_(rules),
      options_(std::move(options)),
      arrays_(arrays) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options_.bind, ec);
  if (ec) throw input_error(fmt::format("--bind '{}': not an IP address ({})", options_.bind, ec.message()));
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw input_error(fmt::format("cannot listen on {}:{}: {}", options_.bind, options_.port, ec.message()));
}

serve_server::~serve_server() = default;

std::uint16_t serve_server::port() const { return acceptor_.local_endpoint().port(); }

void serve_server::start() {
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    if (!options_.quiet) fmt::print(stderr, "evsnn serve: {}: shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    stop();
  });
  accept();
}

void serve_server::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec || stopping_) return;
    ++stats_.connections;
    if (connections_.size() >= options_.max_clients) {
      ++stats_.refused;
      auto bytes = std::make_shared<std::vector<std::uint8_t>>();
      wire::append_error(*bytes, wire::error_code::server_full,
                         fmt::format("the server has {} clients, its limit", options_.max_clients));
      auto s = std::make_shared<tcp::socket>(std::move(socket));
      asio::async_write(*s, asio::buffer(*bytes), [s, bytes](boost::system::error_code, std::size_t) {
        boost::system::error_code e;
        s->close(e);
      });
    } else {
      try {
        auto session = std::make_unique<serve_session>(doc_, file_, base_dir_, models_, rules_, options_.input,
                                                       options_.limits, &arrays_);
        connections_.push_back(std::make_shared<connection>(*this, std::move(socket), std::move(session), next_id_++));
        connections_.back()->start();
      } catch (const std::exception& e) {
        ++stats_.errors;
        fmt::print(stderr, "evsnn serve: cannot start a session: {}\n", e.what());
      }
    }
    accept();
  });
}

void serve_server::closed(connection* c) {
  asio::post(io_, [this, c] {
    std::erase_if(connections_, [c](const std::shared_ptr<connection>& p) { return p.get() == c; });
  });
}

void serve_server::stop() {
  if (stopping_) return;
  stopping_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  signals_.cancel(ec);
  const auto open = connections_;
  for (const auto& c : open) c->shutdown();
}

}  // namespace evsnn::cli
