#pragma once
// atomic_file: writes a file so that it is either absent or complete. Content goes to
// "<path>.tmp.<pid>" and is renamed onto <path> by commit(); a file destroyed before commit()
// removes its temporary. Errors (cannot open, write or rename) throw input_error naming the path.
// A path that exists and is not a regular file — a device such as /dev/null, a FIFO, a symbolic link such as
// /dev/stdout — is written in place, not replaced (a rename would put a regular file where the device or link
// was: `--out /dev/null` run as root used to leave /dev/null a regular file); a folder is an input_error.
// A process killed before commit() leaves its temporary; remove_stale_temporaries() deletes those of
// processes that no longer run.
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace evsnn {

class atomic_file {
 public:
  explicit atomic_file(std::filesystem::path path);
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;
  ~atomic_file();

  std::FILE* handle() { return file_; }
  void write(std::string_view text);
  // Flushes, closes and renames the temporary onto the final path.
  void commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path tmp_path_;  // empty when written in place
  std::FILE* file_ = nullptr;
};

// Writes text to path atomically.
void write_file_atomic(const std::filesystem::path& path, std::string_view text);

// True where path exists and is neither a regular file nor a folder (a device, a FIFO, a symbolic link): what
// atomic_file writes in place, so what must be writable is path itself, not its folder.
bool written_in_place(const std::filesystem::path& path);

// For a writer that must create the whole file itself (a library such as HDF5): it writes temporary_path(path)
// (next to path; in the temporary folder where path is written in place), then place_file(tmp, path) puts that
// where atomic_file would — renamed onto a regular or absent path, its bytes copied into a path that exists and
// is not a regular file — and removes the temporary, also when it throws (input_error naming path).
std::filesystem::path temporary_path(const std::filesystem::path& path);
void place_file(const std::filesystem::path& tmp, const std::filesystem::path& path);

// True for the temporary names evsnn writes: "<name>.tmp.<pid>" (atomic_file) and ".evsnn-tmp-<pid>"
// (output folders); *pid is set to the writer's process id.
bool is_evsnn_temporary(const std::string& file_name, long* pid);
// Removes, directly in dir, every evsnn temporary (file or folder) whose process no longer runs;
// returns how many. Missing or unreadable folders are skipped.
std::size_t remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace evsnn
