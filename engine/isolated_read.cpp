#include "engine/isolated_read.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <climits>
#include <cstring>
#include <new>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/memory_budget.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define EVSNN_SANITIZED_ADDRESS_SPACE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define EVSNN_SANITIZED_ADDRESS_SPACE 1
#endif
#endif

namespace evsnn {

namespace {

// How the child ends (its exit status) where it could not write an error message first.
constexpr int exit_no_memory = 4;  // std::bad_alloc: the address-space limit or the machine
constexpr int exit_unknown = 5;    // an exception not derived from std::exception
constexpr int exit_pipe = 6;       // the parent stopped reading

struct pipe_ended {};       // the pipe closed before the bytes the parent expected
struct deadline_passed {};  // the wall-time limit

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// In the child: all of it, or the child ends.
void write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) ::_exit(exit_pipe);
    p += k;
    n -= static_cast<std::size_t>(k);
  }
}

constexpr std::uint64_t error_frame = ~std::uint64_t{0};  // a frame length that announces an error message
constexpr std::uint64_t max_message = 1 << 16;

// This process's virtual size (the first field of /proc/self/statm, in pages); 0 where it cannot be read.
[[maybe_unused]] std::uint64_t address_space_bytes() {
  char text[128] = {};
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  std::uint64_t pages = 0;
  for (ssize_t k = 0; k < n && text[k] >= '0' && text[k] <= '9'; ++k) pages = pages * 10 + std::uint64_t(text[k] - '0');
  return pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// as_limit: the address-space limit to set (0: none), worked out in the parent before the fork, so that the
// child calls nothing between the fork and the reader but setrlimit.
[[noreturn]] void run_child(int fd, const isolation_limits& limits, rlim_t as_limit,
                            const std::function<void(isolated_out&)>& produce) {
  const auto cpu = static_cast<rlim_t>(std::ceil(std::max(1.0, limits.cpu_seconds)));
  const rlimit cpu_limit{cpu, cpu + 1};  // SIGXCPU at the soft limit, SIGKILL a second later
  ::setrlimit(RLIMIT_CPU, &cpu_limit);
  if (as_limit > 0) {
    rlimit current{};
    if (::getrlimit(RLIMIT_AS, &current) == 0 && (current.rlim_max == RLIM_INFINITY || as_limit <= current.rlim_max)) {
      const rlimit as{as_limit, current.rlim_max};
      ::setrlimit(RLIMIT_AS, &as);
    }
  }
  isolated_out out(fd);
  int status = 0;
  try {
    produce(out);
    out.flush();
  } catch (const std::bad_alloc&) {
    status = exit_no_memory;
  } catch (const std::exception& e) {
    out.fail(e.what());
  } catch (...) {
    status = exit_unknown;
  }
  ::_exit(status);
}

// Waits for the child (once), killing it first where asked; the status as waitpid gives it.
class child_process {
 public:
  child_process(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() {
    if (pid_ > 0) reap(true);
    if (fd_ >= 0) ::close(fd_);
  }
  int reap(bool kill_first) {
    if (fd_ >= 0) ::close(fd_), fd_ = -1;  // a child blocked on a full pipe gets EPIPE
    if (kill_first) ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
  int fd_;
};

std::string describe_end(int status, const isolation_limits& limits) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    if (sig == SIGXCPU || sig == SIGKILL)
      return fmt::format("ran over its {:g} s of CPU time (or was killed) reading it", std::ceil(limits.cpu_seconds));
    const char* name = ::strsignal(sig);
    return fmt::format("crashed reading it (signal {}: {})", sig, name != nullptr ? name : "unknown");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == exit_no_memory)
    return "needed more memory than this process may use reading it";
  return fmt::format("ended without a whole result (exit status {})", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

std::string damaged(const std::string& what, const std::string& how) {
  return fmt::format("{}: the HDF5 library {}: the file is damaged or not what it claims to be", what, how);
}

}  // namespace

isolation_limits limits_for_file(std::uint64_t file_bytes) {
  isolation_limits l;
  l.cpu_seconds = 10.0 + static_cast<double>(file_bytes) / (1024.0 * 1024.0);
  l.wall_seconds = 4.0 * l.cpu_seconds;
  return l;
}

isolation_limits limits_for_file(const std::filesystem::path& path) {
  std::error_code ec;
  const std::uint64_t bytes = std::filesystem::is_regular_file(path, ec) ? std::filesystem::file_size(path, ec) : 0;
  return limits_for_file(ec ? std::uint64_t{0} : bytes);
}

void isolated_out::bytes(const void* data, std::size_t n) {
  if (buf_.size() + n <= frame_bytes) {
    const char* p = static_cast<const char*>(data);
    buf_.insert(buf_.end(), p, p + n);
    return;
  }
  flush();
  const std::uint64_t len = n;  // a frame of its own, written from where it is
  write_all(fd_, &len, sizeof len);
  write_all(fd_, data, n);
}

void isolated_out::flush() {
  if (buf_.empty()) return;
  const std::uint64_t len = buf_.size();
  write_all(fd_, &len, sizeof len);
  write_all(fd_, buf_.data(), buf_.size());
  buf_.clear();
}

void isolated_out::fail(const std::string& message) {
  buf_.clear();
  const std::uint64_t n = std::min<std::uint64_t>(message.size(), max_message);
  write_all(fd_, &error_frame, sizeof error_frame);
  write_all(fd_, &n, sizeof n);
  write_all(fd_, message.data(), n);
}

std::size_t isolated_in::read_some(void* data, std::size_t n) {
  while (true) {
    const double left = deadline_s_ - now_s();
    if (left <= 0.0) throw deadline_passed{};
    pollfd p{fd_, POLLIN, 0};
    const int ms = static_cast<int>(std::min(std::ceil(left * 1000.0), static_cast<double>(INT_MAX)));
    const int r = ::poll(&p, 1, ms);
    if (r < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "read_isolated: poll");
    if (r <= 0) continue;
    const ssize_t k = ::read(fd_, data, n);
    if (k < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw std::system_error(errno, std::generic_category(), "read_isolated: read");
    }
    return static_cast<std::size_t>(k);
  }
}

void isolated_in::raw(void* data, std::size_t n, bool may_end) {
  char* p = static_cast<char*>(data);
  const std::size_t total = n;
  while (n > 0) {
    const std::size_t k = read_some(p, n);
    if (k == 0) {
      if (may_end && n == total) {
        ended_ = true;
        return;
      }
      throw pipe_ended{};
    }
    p += k;
    n -= k;
  }
}

bool isolated_in::next_frame() {
  std::uint64_t len = 0;
  raw(&len, sizeof len, true);
  if (ended_) return false;
  if (len == error_frame) {
    std::uint64_t n = 0;
    raw(&n, sizeof n, false);
    if (n > max_message) throw std::logic_error("read_isolated: an error message over 64 KiB");
    std::string message(n, '\0');
    raw(message.data(), n, false);
    throw input_error(message);
  }
  frame_left_ = len;
  return true;
}

void isolated_in::bytes(void* data, std::size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    while (frame_left_ == 0)
      if (!next_frame()) throw pipe_ended{};
    const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n, frame_left_));
    raw(p, k, false);
    p += k;
    n -= k;
    frame_left_ -= k;
  }
}

bool isolated_in::at_end() {
  while (frame_left_ == 0)
    if (!next_frame()) return true;
  return false;
}

void isolated_in::check_count(std::uint64_t n, std::uint64_t max_count) const {
  if (n > max_count)
    throw std::logic_error(fmt::format("read_isolated: the child sent {} elements, more than {}", n, max_count));
}

std::string isolated_in::text(std::uint64_t max_chars) {
  std::vector<char> v;
  values(v, max_chars);
  return std::string(v.begin(), v.end());
}

void read_isolated(const std::string& what, const isolation_limits& limits,
                   const std::function<void(isolated_out&)>& produce,
                   const std::function<void(isolated_in&)>& consume) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "read_isolated: pipe");
  ::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);  // fewer round trips for a large result (where allowed; else 64 KiB)
  rlim_t as_limit = 0;
#ifndef EVSNN_SANITIZED_ADDRESS_SPACE
  if (limits.limit_address_space) as_limit = address_space_bytes() + usable_memory_bytes();
#endif
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::system_error(e, std::generic_category(), "read_isolated: fork");
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(fds[1], limits, as_limit, produce);
  }
  ::close(fds[1]);
  child_process child(pid, fds[0]);
  isolated_in in(fds[0], now_s() + limits.wall_seconds);
  try {
    consume(in);
    if (!in.at_end()) throw std::logic_error("read_isolated: the result has bytes the reader did not take");
  } catch (const pipe_ended&) {
    throw input_error(damaged(what, describe_end(child.reap(false), limits)));
  } catch (const deadline_passed&) {
    child.reap(true);
    throw input_error(damaged(what, fmt::format("took over {:g} s of wall time reading it", limits.wall_seconds)));
  }
  const int status = child.reap(false);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw input_error(damaged(what, describe_end(status, limits)));
}

}  // namespace evsnn
