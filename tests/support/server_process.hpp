#pragma once
// Test support for `evsnn serve`: the server as a real process (started with --port 0, its port read from the
// ready line it prints, stopped with a signal, its exit status and peak memory read back), and a raw TCP
// client on loopback that sends bytes and reads frames with a timeout.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/cli_process.hpp"
#include "tools/serve_protocol.hpp"

namespace evsnn::test {

struct server_process {
  pid_t pid = -1;
  int port = 0;
  std::filesystem::path out, err;

  // Starts `evsnn serve args... --port 0` and waits (up to 20 s) for its ready line.
  server_process(const std::vector<std::string>& args, const std::filesystem::path& dir) {
    out = dir / "serve.out";
    err = dir / "serve.err";
    std::vector<std::string> all{"serve"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--port", "0"});
    pid = spawn_evsnn(all, out, err);
    for (int k = 0; k < 2000 && port == 0; ++k) {
      const std::string text = read_text(out);
      const auto at = text.find("listening on 127.0.0.1:");
      if (at != std::string::npos) port = std::stoi(text.substr(at + 23));
      else std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~server_process() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  // Sends sig and waits for the exit status (-1 if it did not exit normally within 20 s).
  int stop(int sig = SIGTERM) {
    ::kill(pid, sig);
    int status = 0;
    for (int k = 0; k < 2000; ++k) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  // Resident memory now, in KiB (VmRSS), or 0.
  long rss_kib() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0;
  }
};

struct received_frame {
  cli::wire::frame_type type;
  std::vector<std::uint8_t> payload;
};

// A raw client: bytes out, frames in.
struct raw_client {
  int fd = -1;
  cli::wire::frame_parser parser{std::uint32_t{1} << 30};
  explicit raw_client(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ~raw_client() {
    if (fd >= 0) ::close(fd);
  }
  bool send(const std::vector<std::uint8_t>& bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return false;
      at += static_cast<std::size_t>(n);
    }
    return true;
  }
  // The next frame, or nothing when the connection closed or timeout_ms passed.
  std::optional<received_frame> next(int timeout_ms = 10000) {
    for (;;) {
      if (auto f = parser.next()) return received_frame{f->type, {f->payload.begin(), f->payload.end()}};
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
      std::uint8_t buf[65536];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return std::nullopt;
      parser.feed({buf, static_cast<std::size_t>(n)});
    }
  }
  // Frames until the server closes (or timeout); the last is usually error or bye_ok.
  std::vector<received_frame> until_closed(int timeout_ms = 10000) {
    std::vector<received_frame> out;
    while (auto f = next(timeout_ms)) out.push_back(std::move(*f));
    return out;
  }
};

// The code and text of an error frame.
inline std::string error_of_frame(const received_frame& f) {
  if (f.type != cli::wire::frame_type::error) return "(not an error frame)";
  cli::wire::payload_reader r(f.payload);
  const auto code = r.u16();
  return std::to_string(code) + " " + r.text(r.left());
}

}  // namespace evsnn::test
