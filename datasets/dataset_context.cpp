#include "datasets/dataset_context.hpp"

#include <cstdlib>
#include <system_error>

namespace evsnn::data {

std::filesystem::path find_data_dir(const std::filesystem::path& from) {
  if (const char* env = std::getenv("EVSNN_DATA_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  std::filesystem::path dir = from;
  if (dir.empty()) {
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    dir = ec ? std::filesystem::current_path(ec) : exe.parent_path();
  }
  for (const auto& c : {dir / ".." / "data", dir / ".." / ".." / "data", dir / "data"})
    if (std::filesystem::is_directory(c, ec)) return std::filesystem::weakly_canonical(c, ec);
  return (dir / ".." / "data").lexically_normal();
}

}  // namespace evsnn::data
