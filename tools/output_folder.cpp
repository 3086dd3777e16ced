#include "tools/output_folder.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"

namespace evsnn::cli {

namespace {

constexpr std::string_view manifest_header = "evsnn-output-manifest/1";

// A name the manifest may list: a plain file name in the folder, nothing that leads out of it.
bool plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

std::vector<std::string> read_manifest(const std::filesystem::path& path, bool* found) {
  std::vector<std::string> names;
  std::ifstream in(path);
  *found = static_cast<bool>(in);
  std::string line;
  if (!*found || !std::getline(in, line) || line != manifest_header) return names;
  while (std::getline(in, line))
    if (plain_name(line)) names.push_back(line);
  return names;
}

std::string manifest_text(const std::vector<std::string>& names) {
  std::string text(manifest_header);
  text += '\n';
  for (const std::string& n : names) text += n + '\n';
  return text;
}

}  // namespace

output_folder::output_folder(std::filesystem::path dir, std::string command, std::vector<std::string> known_names,
                             std::string marker)
    : dir_(std::move(dir)), command_(std::move(command)), known_(std::move(known_names)), marker_(std::move(marker)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw input_error(fmt::format("{}: cannot create output folder: {}", dir_.string(), ec.message()));
  if (!std::filesystem::is_directory(dir_, ec))
    throw input_error(fmt::format("{}: cannot create output folder: not a directory", dir_.string()));
  remove_stale_temporaries(dir_);
  tmp_ = dir_ / fmt::format(".evsnn-tmp-{}", static_cast<long>(::getpid()));
  std::filesystem::remove_all(tmp_, ec);
  std::filesystem::create_directory(tmp_, ec);
  // Root may write into a read-only folder; everyone else learns here that they cannot.
  if (ec || ::access(tmp_.c_str(), W_OK) != 0)
    throw input_error(fmt::format("{}: output folder is not writable: {}", dir_.string(),
                                  ec ? ec.message() : std::string("permission denied")));
}

output_folder::~output_folder() {
  if (committed_) return;
  std::error_code ec;
  std::filesystem::remove_all(tmp_, ec);
}

std::filesystem::path output_folder::manifest_path() const { return dir_ / (".evsnn-" + command_ + ".manifest"); }

std::filesystem::path output_folder::path(const std::string& name) {
  if (!plain_name(name)) throw input_error(fmt::format("{}: '{}' is not a plain file name", dir_.string(), name));
  if (std::find(names_.begin(), names_.end(), name) == names_.end()) names_.push_back(name);
  return tmp_ / name;
}

void output_folder::write(const std::string& name, std::string_view text) { write_file_atomic(path(name), text); }

void output_folder::commit() {
  std::error_code ec;
  // Only the files that were written (a writer may have named one and then not produced it).
  std::vector<std::string> fresh;
  for (const std::string& n : names_)
    if (std::filesystem::is_regular_file(tmp_ / n, ec)) fresh.push_back(n);
  // The marker goes in last.
  std::stable_partition(fresh.begin(), fresh.end(), [&](const std::string& n) { return n != marker_; });

  bool found = false;
  std::vector<std::string> old = read_manifest(manifest_path(), &found);
  if (!found)
    for (const std::string& n : known_)
      if (std::filesystem::exists(dir_ / n, ec)) old.push_back(n);
  // The marker goes out first.
  std::stable_partition(old.begin(), old.end(), [&](const std::string& n) { return n == marker_; });

  std::vector<std::string> both = old;
  for (const std::string& n : fresh)
    if (std::find(both.begin(), both.end(), n) == both.end()) both.push_back(n);
  write_file_atomic(manifest_path(), manifest_text(both));
  for (const std::string& n : old) std::filesystem::remove(dir_ / n, ec);
  for (const std::string& n : fresh) {
    std::filesystem::rename(tmp_ / n, dir_ / n, ec);
    if (ec)
      throw input_error(fmt::format("{}: cannot move {} into place: {}", dir_.string(), n, ec.message()));
  }
  write_file_atomic(manifest_path(), manifest_text(fresh));
  committed_ = true;
  std::filesystem::remove_all(tmp_, ec);
}

}  // namespace evsnn::cli
