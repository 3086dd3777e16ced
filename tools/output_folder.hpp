#pragma once
// output_folder: the files one command writes into an --out folder, replaced as a set. While the
// command runs, its files go into DIR/.evsnn-tmp-<pid>/; commit() then swaps them in: it removes the
// previous set of the same command (the names listed in DIR/.evsnn-<command>.manifest; without a
// manifest, the command's fixed file names), the marker file first, and renames the new files in,
// the marker last. So:
//  - a folder holding the marker (summary.json for run) holds one complete set from one run, never a
//    mix of two runs; a folder without it holds a set cut short (a run killed while swapping);
//  - the manifest always lists every file of this command in DIR (it is rewritten, atomically, to
//    the union of both sets before the swap and to the new set after it);
//  - other files in DIR (other commands' sets, the user's) are never touched;
//  - a command that fails or is killed leaves its temporary folder; the next command into DIR removes
//    it, and any evsnn temporary whose process no longer runs (remove_stale_temporaries).
// Creating the folder checks that DIR can be written, before any work is done: an unwritable DIR is
// an input_error (exit 2) naming it. One command at a time per folder.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace evsnn::cli {

class output_folder {
 public:
  // command names the manifest; known_names are the command's fixed file names (removed when there
  // is no manifest); marker is the file that says the set is complete.
  output_folder(std::filesystem::path dir, std::string command, std::vector<std::string> known_names,
                std::string marker);
  output_folder(const output_folder&) = delete;
  output_folder& operator=(const output_folder&) = delete;
  ~output_folder();  // without commit(): removes the temporary folder

  const std::filesystem::path& dir() const { return dir_; }
  // Where to write file `name` (a plain file name) now; it becomes part of the set.
  std::filesystem::path path(const std::string& name);
  // Writes `name` with text (atomically, into the temporary folder).
  void write(const std::string& name, std::string_view text);
  // Swaps the set in (see above); throws input_error when a file cannot be moved.
  void commit();

  std::filesystem::path manifest_path() const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path tmp_;
  std::string command_;
  std::vector<std::string> known_;
  std::string marker_;
  std::vector<std::string> names_;
  bool committed_ = false;
};

}  // namespace evsnn::cli
