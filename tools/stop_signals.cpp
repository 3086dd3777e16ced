#include "tools/stop_signals.hpp"

namespace evsnn::cli {

namespace {
// The only state a signal handler may safely touch. 0: no signal yet.
volatile std::sig_atomic_t received_signal = 0;

extern "C" void on_stop_signal(int sig) {
  if (received_signal != 0) {  // the second one: die as the signal says
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  received_signal = sig;
}
}  // namespace

stop_signals::stop_signals() {
  received_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
  if (old_int_.sa_handler == SIG_IGN) sigaction(SIGINT, &old_int_, nullptr);
  if (old_term_.sa_handler == SIG_IGN) sigaction(SIGTERM, &old_term_, nullptr);
}

stop_signals::~stop_signals() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

int stop_signals::received() const { return received_signal; }

const char* stop_signals::name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

}  // namespace evsnn::cli
