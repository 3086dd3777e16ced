// atomic_file: a regular file is replaced whole by commit() (never seen half written, no temporary left); one
// destroyed before commit() leaves the old file and no temporary; a path that exists and is not a regular
// file — a FIFO (as /dev/null, a device), a symbolic link (as /dev/stdout) — is written in place and stays what it
// was; a folder is one input_error; place_file does the same for a file a library wrote whole; evsnn's
// temporaries are recognised by name.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/error_of.hpp"

using namespace evsnn;
using evsnn::test::error_of;
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

// What arrives at a FIFO's read end while write() runs. The read end is opened first without blocking, so the
// writer's open succeeds at once (and a writer that renamed a file onto the path instead would leave this end
// at end of file, not hang the test).
template <class F>
std::string through_fifo(const fs::path& fifo, F write) {
  const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(fd >= 0);
  write();
  std::string got(64, '\0');
  const ssize_t n = ::read(fd, got.data(), got.size());
  ::close(fd);
  got.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return got;
}

}  // namespace

TEST_CASE("atomic_file: a regular file is replaced on commit, untouched without it, no temporary left") {
  const test::cli_temp_dir dir;
  const fs::path p = dir.path / "out.csv";
  write_file_atomic(p, "first\n");
  CHECK(read_all(p) == "first\n");
  {
    atomic_file f(p);
    f.write("second, never committed\n");
    CHECK(entries(dir.path) == 2);  // the file and its temporary
    CHECK(read_all(p) == "first\n");
  }
  CHECK(read_all(p) == "first\n");
  CHECK(entries(dir.path) == 1);
  write_file_atomic(p, "third\n");
  CHECK(read_all(p) == "third\n");
  CHECK(entries(dir.path) == 1);
  CHECK(error_of([&] { write_file_atomic(dir.path / "no_such_folder" / "x", "x"); }) ==
        (dir.path / "no_such_folder" / "x").string() + ": cannot open for writing");
}

TEST_CASE("atomic_file: a FIFO or a symbolic link is written in place and stays one; a folder is refused") {
  const test::cli_temp_dir dir;
  // A FIFO stands for a device such as /dev/null: renaming a temporary onto it would leave a regular file.
  const fs::path fifo = dir.path / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(through_fifo(fifo, [&] { write_file_atomic(fifo, "through the pipe\n"); }) == "through the pipe\n");
  CHECK(fs::is_fifo(fs::symlink_status(fifo)));

  // A link (as /dev/stdout is one): the file it names gets the text, the link stays.
  const fs::path target = dir.write("target.csv", "old\n");
  const fs::path link = dir.path / "link.csv";
  fs::create_symlink(target, link);
  write_file_atomic(link, "new\n");
  CHECK(fs::is_symlink(fs::symlink_status(link)));
  CHECK(read_all(target) == "new\n");
  CHECK(entries(dir.path) == 3);  // pipe, target.csv, link.csv: no temporary

  const fs::path folder = dir.path / "folder";
  fs::create_directory(folder);
  CHECK(error_of([&] { atomic_file f(folder); }) == folder.string() + ": is a folder, not a file");
  CHECK(entries(dir.path) == 4);
}

TEST_CASE("place_file: a finished temporary renamed onto a file, copied into a FIFO, removed when refused") {
  const test::cli_temp_dir dir;
  const fs::path p = dir.write("out.nir", "old");
  const fs::path tmp = temporary_path(p);
  CHECK(tmp.filename().string().starts_with("out.nir.tmp."));
  std::ofstream(tmp) << "whole file";
  place_file(tmp, p);
  CHECK(read_all(p) == "whole file");
  CHECK(entries(dir.path) == 1);

  const fs::path fifo = dir.path / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const fs::path tmp2 = temporary_path(fifo);  // in the temporary folder: /dev is not writable for most users
  CHECK(tmp2.parent_path() == fs::temp_directory_path());
  std::ofstream(tmp2) << "copied";
  CHECK(through_fifo(fifo, [&] { place_file(tmp2, fifo); }) == "copied");
  CHECK(fs::is_fifo(fs::symlink_status(fifo)));
  CHECK(entries(dir.path) == 2);

  const fs::path folder = dir.path / "folder";
  fs::create_directory(folder);
  const fs::path tmp3 = temporary_path(folder);
  std::ofstream(tmp3) << "x";
  CHECK(error_of([&] { place_file(tmp3, folder); }) == folder.string() + ": is a folder, not a file");
  CHECK_FALSE(fs::exists(tmp3));
}

TEST_CASE("atomic_file: evsnn's temporaries are recognised by name, with their writer's process id") {
  long pid = 0;
  CHECK(is_evsnn_temporary("spikes.csv.tmp.1234", &pid));
  CHECK(pid == 1234);
  CHECK(is_evsnn_temporary(".evsnn-tmp-77", &pid));
  CHECK(pid == 77);
  CHECK_FALSE(is_evsnn_temporary("spikes.csv", &pid));
  CHECK_FALSE(is_evsnn_temporary("x.tmp.", &pid));
  CHECK_FALSE(is_evsnn_temporary("x.tmp.12a", &pid));
  CHECK_FALSE(is_evsnn_temporary(".tmp.5", &pid));
  CHECK_FALSE(is_evsnn_temporary("x.tmp.0", &pid));
}
