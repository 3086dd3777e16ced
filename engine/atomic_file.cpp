#include "engine/atomic_file.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn {

atomic_file::atomic_file(std::filesystem::path path) : path_(std::move(path)) {
  tmp_path_ = path_;
  tmp_path_ += fmt::format(".tmp.{}", static_cast<long>(::getpid()));
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (file_ == nullptr) throw input_error(fmt::format("{}: cannot open for writing", path_.string()));
}

atomic_file::~atomic_file() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::error_code ec;
    std::filesystem::remove(tmp_path_, ec);
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
    std::filesystem::remove(tmp_path_, ec);
    throw input_error(fmt::format("{}: write failed", path_.string()));
  }
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

}  // namespace evsnn
