#pragma once
// file_bytes: the whole content of a file as one read-only byte span. Plain files are
// memory-mapped (nothing is copied, pages load on demand); gzip files (magic 1f 8b) are inflated
// into memory. Errors (missing, a folder, unreadable, corrupt gzip) throw input_error naming the
// file and, for gzip, the uncompressed byte offset reached.
// Memory bound: a gzip stream is first inflated without keeping its output, only counting bytes;
// when the count passes max_inflated_bytes it is refused ("inflates to more than N bytes") before
// anything is allocated, otherwise it is inflated again into one buffer of exactly that size. A
// few-kilobyte "gzip bomb" therefore costs neither memory nor more than the cap's inflation time.
// Invariant: bytes() stays valid and unchanged for the object's lifetime.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace evsnn::data {

// The most bytes a gzip file may inflate to (8 GiB): above every published data set split
// (a plain, uncompressed file has no limit: it is mapped, not copied).
inline constexpr std::uint64_t default_max_inflated_bytes = std::uint64_t{8} << 30;

class file_bytes {
 public:
  explicit file_bytes(const std::filesystem::path& path, std::uint64_t max_inflated_bytes = default_max_inflated_bytes);
  // Wraps bytes already in memory (tests, fuzzers).
  file_bytes(std::vector<unsigned char> bytes, std::string name);
  file_bytes(const file_bytes&) = delete;
  file_bytes& operator=(const file_bytes&) = delete;
  ~file_bytes();

  std::span<const unsigned char> bytes() const { return {data_, size_}; }
  const std::string& name() const { return name_; }
  bool was_gzip() const { return gzip_; }

 private:
  std::string name_;
  std::vector<unsigned char> owned_;
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
  bool gzip_ = false;
};

// Inflates a gzip stream held in memory (one or more members); name is used in error messages.
// More than max_bytes of output is input_error, raised before any output buffer is allocated.
std::vector<unsigned char> gunzip(std::span<const unsigned char> compressed, const std::string& name,
                                  std::uint64_t max_bytes = default_max_inflated_bytes);

}  // namespace evsnn::data
