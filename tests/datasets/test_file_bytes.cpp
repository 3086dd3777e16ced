// file_bytes: plain files are mapped as they are, gzip files inflated (also concatenated members),
// the inflated size is bounded before anything is allocated, and folders, devices, missing,
// corrupt and truncated files are one-line errors.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <functional>

#include "datasets/file_bytes.hpp"
#include "engine/error.hpp"
#include "tests/datasets/format_writers.hpp"
#include "tests/support/error_of.hpp"

using namespace evsnn;
using evsnn::test::error_of;
using evsnn::test::temp_dir;

namespace {

std::vector<unsigned char> counting(std::size_t n) {
  std::vector<unsigned char> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<unsigned char>((i * 131) ^ (i >> 8));
  return v;
}
}  // namespace

TEST_CASE("file_bytes: plain and gzip files give the same bytes; concatenated members are joined") {
  temp_dir dir;
  const auto a = counting(100000);
  const auto b = counting(777);
  test::write_bytes(dir / "plain", a);
  test::write_bytes(dir / "one.gz", test::gzip_bytes(a));
  auto two = test::gzip_bytes(a);
  const auto second = test::gzip_bytes(b);
  two.insert(two.end(), second.begin(), second.end());
  test::write_bytes(dir / "two.gz", two);
  const data::file_bytes plain(dir / "plain");
  CHECK_FALSE(plain.was_gzip());
  CHECK(std::vector<unsigned char>(plain.bytes().begin(), plain.bytes().end()) == a);
  const data::file_bytes one(dir / "one.gz");
  CHECK(one.was_gzip());
  CHECK(std::vector<unsigned char>(one.bytes().begin(), one.bytes().end()) == a);
  auto ab = a;
  ab.insert(ab.end(), b.begin(), b.end());
  const data::file_bytes joined(dir / "two.gz");
  CHECK(std::vector<unsigned char>(joined.bytes().begin(), joined.bytes().end()) == ab);
  test::write_bytes(dir / "empty.gz", test::gzip_bytes({}));
  CHECK(data::file_bytes(dir / "empty.gz").bytes().empty());
}

TEST_CASE("file_bytes: the inflated size is capped: exactly the cap passes, one byte more is refused") {
  temp_dir dir;
  const auto a = counting(5000);
  test::write_bytes(dir / "a.gz", test::gzip_bytes(a));
  CHECK(data::file_bytes(dir / "a.gz", 5000).bytes().size() == 5000);
  CHECK(error_of([&] { data::file_bytes(dir / "a.gz", 4999); }) ==
        (dir / "a.gz").string() +
            ": inflates to more than 4999 bytes, the limit for a gzip file read into memory (gunzip it and name the "
            "uncompressed file)");
  // The cap counts every member together.
  auto two = test::gzip_bytes(a);
  const auto again = test::gzip_bytes(a);
  two.insert(two.end(), again.begin(), again.end());
  CHECK(error_of([&] { data::gunzip(two, "two.gz", 9999); }).starts_with("two.gz: inflates to more than 9999 bytes"));
  CHECK(data::gunzip(two, "two.gz", 10000).size() == 10000);
  CHECK(data::default_max_inflated_bytes == std::uint64_t{8} << 30);
}

TEST_CASE("file_bytes: a small gzip bomb (1 GiB of zeros in about 1 MB) is refused quickly at a small cap") {
  // 64 MiB of zeros per member, 16 members: 1 GiB inflated from ~1 MB. With a 256 MiB cap the
  // counting pass stops after 256 MiB of inflation and nothing of that size is ever allocated.
  const auto member = test::gzip_bytes(std::vector<unsigned char>(std::size_t{64} << 20, 0));
  std::vector<unsigned char> bomb;
  for (int k = 0; k < 16; ++k) bomb.insert(bomb.end(), member.begin(), member.end());
  CHECK(bomb.size() < (std::size_t{2} << 20));
  const auto start = std::chrono::steady_clock::now();
  CHECK(error_of([&] { data::gunzip(bomb, "bomb.gz", std::uint64_t{256} << 20); })
            .starts_with("bomb.gz: inflates to more than 256 MiB"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
}

TEST_CASE("file_bytes: folders, devices, missing, corrupt and truncated files are one-line errors") {
  temp_dir dir;
  CHECK(error_of([&] { data::file_bytes f(dir.path()); }) == dir.path().string() + ": is a folder, not a file");
  if (std::filesystem::exists("/dev/null"))
    CHECK(error_of([&] { data::file_bytes f("/dev/null"); }) == "/dev/null: is not a regular file");
  CHECK(error_of([&] { data::file_bytes f(dir / "nope"); }) ==
        (dir / "nope").string() + ": cannot open: No such file or directory");
  auto gz = test::gzip_bytes(counting(5000));
  auto cut = gz;
  cut.resize(cut.size() / 2);
  test::write_bytes(dir / "cut.gz", cut);
  const auto trunc = error_of([&] { data::file_bytes f(dir / "cut.gz"); });
  CHECK(trunc.starts_with((dir / "cut.gz").string() + ": uncompressed byte "));
  CHECK(trunc.ends_with(": truncated gzip stream (the file ends early)"));
  auto bad = gz;
  for (std::size_t i = 10; i < 30 && i < bad.size(); ++i) bad[i] = 0xff;
  test::write_bytes(dir / "bad.gz", bad);
  CHECK(error_of([&] { data::file_bytes f(dir / "bad.gz"); }).find(": corrupt gzip data (") != std::string::npos);
}
