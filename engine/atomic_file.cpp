#include "engine/atomic_file.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn {

namespace {

// What a path to write is: absent or a regular file (replaced by a rename), a folder (refused), or anything
// else — a device, FIFO or symbolic link — written in place.
enum class target_kind { file, folder, in_place };

target_kind kind_of(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::symlink_status(path, ec);
  if (std::filesystem::is_directory(status)) return target_kind::folder;
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) return target_kind::in_place;
  return target_kind::file;
}

[[noreturn]] void folder_error(const std::filesystem::path& path) {
  throw input_error(fmt::format("{}: is a folder, not a file", path.string()));
}

}  // namespace

atomic_file::atomic_file(std::filesystem::path path) : path_(std::move(path)) {
  const target_kind kind = kind_of(path_);
  if (kind == target_kind::folder) folder_error(path_);
  if (kind == target_kind::file) tmp_path_ = temporary_path(path_);
  file_ = std::fopen((tmp_path_.empty() ? path_ : tmp_path_).c_str(), "wb");
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
  if (!tmp_path_.empty()) place_file(tmp_path_, path_);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view text) {
  atomic_file f(path);
  f.write(text);
  f.commit();
}

bool written_in_place(const std::filesystem::path& path) { return kind_of(path) == target_kind::in_place; }

std::filesystem::path temporary_path(const std::filesystem::path& path) {
  // Next to the file, so that the rename stays in its file system; for a path written in place (copied into,
  // never renamed onto) in the temporary folder, as /dev is not writable for most users.
  std::error_code ec;
  const bool in_place = written_in_place(path);
  const std::filesystem::path folder = in_place ? std::filesystem::temp_directory_path(ec) : std::filesystem::path();
  std::filesystem::path tmp = in_place && !ec ? folder / ("evsnn-" + path.filename().string()) : path;
  tmp += fmt::format(".tmp.{}", static_cast<long>(::getpid()));
  return tmp;
}

void place_file(const std::filesystem::path& tmp, const std::filesystem::path& path) {
  std::error_code ec;
  struct remove_tmp {
    const std::filesystem::path& p;
    ~remove_tmp() {
      std::error_code e;
      std::filesystem::remove(p, e);
    }
  } guard{tmp};
  const target_kind kind = kind_of(path);
  if (kind == target_kind::folder) folder_error(path);
  if (kind == target_kind::file) {
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw input_error(fmt::format("{}: cannot rename temporary file into place", path.string()));
    return;
  }
  // A device, FIFO or link: its bytes written into it, so it stays what it is.
  std::FILE* in = std::fopen(tmp.c_str(), "rb");
  std::FILE* out = in != nullptr ? std::fopen(path.c_str(), "wb") : nullptr;
  bool ok = out != nullptr;
  char buf[1 << 16];
  while (ok) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, in);
    if (n > 0 && std::fwrite(buf, 1, n, out) != n) ok = false;
    if (n < sizeof buf) {
      ok = ok && std::ferror(in) == 0;
      break;
    }
  }
  if (out != nullptr && std::fclose(out) != 0) ok = false;
  if (in != nullptr) std::fclose(in);
  if (!ok) throw input_error(fmt::format("{}: write failed", path.string()));
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
