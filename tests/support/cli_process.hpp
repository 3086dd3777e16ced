#pragma once
// cli_process: runs the evsnn binary as a real process for command-line tests — a temporary folder
// that removes itself, shell quoting, and exit status plus captured stdout and stderr.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace evsnn::test {

inline const std::string evsnn_bin = EVSNN_BINARY_DIR "/evsnn";

struct cli_temp_dir {
  std::filesystem::path path;
  cli_temp_dir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("evsnn_cli_test_" + std::to_string(rd()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~cli_temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  cli_temp_dir(const cli_temp_dir&) = delete;
  cli_temp_dir& operator=(const cli_temp_dir&) = delete;
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const std::filesystem::path p = path / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct cli_result {
  int status = -1;  // exit status, or -1 if not exited normally
  std::string out, err;
};

// Runs `evsnn <args>` with stdout and stderr captured into (then removed from) files in `dir`; launcher, when
// given, is a shell command line put before evsnn (e.g. "mpirun -np 2").
inline cli_result run_cli(const std::filesystem::path& dir, const std::string& args, const std::string& launcher = "") {
  const std::filesystem::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  const std::string cmd = (launcher.empty() ? "" : launcher + " ") + shell_quote(evsnn_bin) + " " + args + " > " +
                          shell_quote(out.string()) + " 2> " + shell_quote(err.string());
  const int raw = std::system(cmd.c_str());
  cli_result r;
  r.status = (raw != -1 && WIFEXITED(raw)) ? WEXITSTATUS(raw) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}
inline cli_result run_cli(const cli_temp_dir& d, const std::string& args, const std::string& launcher = "") {
  return run_cli(d.path, args, launcher);
}

// Starts `evsnn args...` in the background with stdout and stderr into files; returns its pid.
inline pid_t spawn_evsnn(const std::vector<std::string>& args, const std::filesystem::path& out,
                         const std::filesystem::path& err) {
  std::vector<std::string> all{evsnn_bin};
  all.insert(all.end(), args.begin(), args.end());
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace evsnn::test
