#pragma once
// file_bytes: the whole content of a file as one read-only byte span. Plain files are
// memory-mapped (nothing is copied, pages load on demand); gzip files (magic 1f 8b) are inflated
// into memory. Errors (missing, unreadable, corrupt gzip) throw input_error naming the file and,
// for gzip, the uncompressed byte offset reached.
// Invariant: bytes() stays valid and unchanged for the object's lifetime.
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace evsnn::data {

class file_bytes {
 public:
  explicit file_bytes(const std::filesystem::path& path);
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

// Inflates a gzip stream held in memory; name is used in error messages.
std::vector<unsigned char> gunzip(std::span<const unsigned char> compressed, const std::string& name);

}  // namespace evsnn::data
