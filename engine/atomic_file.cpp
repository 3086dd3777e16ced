#include "engine/atomic_file.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn {

atomic_file::atomic_file(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  const auto status = std::filesystem::symlink_status(path_, ec);
  if (std::filesystem::is_directory(status))
    throw input_error(fmt::format("{}: is a folder, not a file", path_.string()));
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    file_ = std::fopen(path_.c_str(), "wb");
    if (file_ == nullptr) throw input_error(fmt::format("{}: cannot open for writing", path_.string()));
    return;
  }
  tmp_path_ = path_;
  tmp_path_ += fmt::format(".tmp.{}", static_cast<long>(::getpid()));
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (file_ == nullptr) throw input_error(fmt::format("{}: cannot open for writing", path_.string()));
}

atomic_file::~atomic_file() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::error_code ec;
    if (!tmp_path_.empty()) std::filesystem::remove(tmp_path_, ec);
  }
}

void atomic_file::write(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size())
    throw input_error(fmt::format("{}: write failed", path_.string()));
}

void atomic_file::commit() {
  const bool ok = std::fflush(file_) == 0 && std::ferror(file_) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  std::error_code ec;
  if (!ok || !closed) {
    if (!tmp_path_.empty()) std::filesystem::remove(tmp_path_, ec);
    throw input_error(fmt::format("{}: write failed", path_.string()));
  }
  if (tmp_path_.empty()) return;  // written in place
  std::filesystem::rename(tmp_path_, path_, ec);
  if (ec) {
    std::filesystem::remove(tmp_path_, ec);
    throw input_error(fmt::format("{}: cannot rename temporary file into place", path_.string()));
  }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view text) {
  atomic_file f(path);
  f.write(text);
  f.commit();
}

namespace {
bool parse_pid(std::string_view digits, long* pid) {
  if (digits.empty()) return false;
  long v = 0;
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || p != digits.data() + digits.size() || v <= 0) return false;
  *pid = v;
  return true;
}

bool process_gone(long pid) { return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }
}  // namespace

bool is_evsnn_temporary(const std::string& file_name, long* pid) {
  constexpr std::string_view folder_prefix = ".evsnn-tmp-";
  if (file_name.starts_with(folder_prefix)) return parse_pid(std::string_view(file_name).substr(folder_prefix.size()), pid);
  const auto at = file_name.rfind(".tmp.");
  return at != std::string::npos && at > 0 && parse_pid(std::string_view(file_name).substr(at + 5), pid);
}

std::size_t remove_stale_temporaries(const std::filesystem::path& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    long pid = 0;
    if (!is_evsnn_temporary(it->path().filename().string(), &pid) || pid == static_cast<long>(::getpid()) ||
        !process_gone(pid))
      continue;
    std::error_code rm;
    if (std::filesystem::remove_all(it->path(), rm) > 0 && !rm) ++removed;
  }
  return removed;
}

}  // namespace evsnn
