#pragma once
// stop_signals: while one is alive, SIGINT and SIGTERM do not kill the process but set a flag that a
// long command polls (evsnn run stops its simulation at the next event boundary and writes what it has).
// A second signal restores the previous disposition and re-raises it: pressing Ctrl-C twice kills.
// The handler only stores the signal number in a std::sig_atomic_t (nothing else is async-signal-safe
// to do); the previous handlers come back when the object is destroyed. One instance at a time.
// A signal ignored when the object is made (a background job of a non-interactive shell) stays ignored.
#include <csignal>
#include <stdexcept>
#include <string>

namespace evsnn::cli {

class stop_signals {
 public:
  stop_signals();
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;
  ~stop_signals();

  // The first signal received (SIGINT, SIGTERM), 0 if none.
  int received() const;
  // Name of a signal for messages ("SIGINT").
  static const char* name(int signal);

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// An exit status other than 0, 2 (input errors) and 3 (evsnn's bugs): a command that stopped because
// of a signal (128 + the signal). main() prints the message, if any, on stderr and exits with it.
class exit_status : public std::runtime_error {
 public:
  exit_status(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace evsnn::cli
