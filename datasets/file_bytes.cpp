#include "datasets/file_bytes.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn::data {

namespace {

std::string byte_count(std::uint64_t n) {
  if (n >= (std::uint64_t{1} << 30) && n % (std::uint64_t{1} << 30) == 0) return fmt::format("{} GiB", n >> 30);
  if (n >= (std::uint64_t{1} << 20) && n % (std::uint64_t{1} << 20) == 0) return fmt::format("{} MiB", n >> 20);
  return fmt::format("{} bytes", n);
}

// Runs zlib over every gzip member of `compressed` and returns the number of bytes it inflates to.
// out == nullptr: the output only passes through a small scratch buffer and is counted, and more
// than max_bytes is an error. Otherwise the output goes to out[0, out_size), which must be exactly
// what a counting pass returned.
std::uint64_t inflate_members(std::span<const unsigned char> compressed, const std::string& name,
                              std::uint64_t max_bytes, unsigned char* out, std::size_t out_size) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw input_error(fmt::format("{}: cannot start gzip decoder", name));
  struct end_guard {
    z_stream* z;
    ~end_guard() { inflateEnd(z); }
  } guard{&zs};
  std::size_t in_pos = 0;
  std::uint64_t produced = 0;
  unsigned char scratch[1 << 16];
  constexpr std::size_t most = std::size_t{1} << 30;  // zlib counts in uInt
  while (true) {
    const std::size_t chunk_in = std::min(compressed.size() - in_pos, most);
    zs.next_in = const_cast<unsigned char*>(compressed.data() + in_pos);
    zs.avail_in = static_cast<uInt>(chunk_in);
    const bool direct = out != nullptr && produced < out_size;
    unsigned char* dst = direct ? out + produced : scratch;
    const std::size_t room = direct ? std::min(out_size - static_cast<std::size_t>(produced), most) : sizeof scratch;
    zs.next_out = dst;
    zs.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    in_pos += chunk_in - zs.avail_in;
    const std::size_t got = room - zs.avail_out;
    if (out != nullptr && !direct && got > 0)
      throw std::logic_error(name + ": gzip stream inflated to more bytes on the second pass");
    produced += got;
    if (out == nullptr && produced > max_bytes)
      throw input_error(fmt::format("{}: inflates to more than {}, the limit for a gzip file read into memory "
                                    "(gunzip it and name the uncompressed file)",
                                    name, byte_count(max_bytes)));
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members (allowed by RFC 1952): continue with the next one.
      if (in_pos < compressed.size() && compressed.size() - in_pos >= 2 && compressed[in_pos] == 0x1f &&
          compressed[in_pos + 1] == 0x8b) {
        inflateReset(&zs);
        continue;
      }
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      const std::string msg = zs.msg != nullptr ? zs.msg : "invalid data";
      throw input_error(fmt::format("{}: uncompressed byte {}: corrupt gzip data ({})", name, produced, msg));
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_pos >= compressed.size())
      throw input_error(
          fmt::format("{}: uncompressed byte {}: truncated gzip stream (the file ends early)", name, produced));
  }
  return produced;
}

}  // namespace

std::vector<unsigned char> gunzip(std::span<const unsigned char> compressed, const std::string& name,
                                  std::uint64_t max_bytes) {
  // Count first (no memory), then allocate once and inflate again into the exact buffer.
  const std::uint64_t size = inflate_members(compressed, name, max_bytes, nullptr, 0);
  std::vector<unsigned char> out(static_cast<std::size_t>(size));
  if (size > 0) inflate_members(compressed, name, max_bytes, out.data(), out.size());
  return out;
}

file_bytes::file_bytes(const std::filesystem::path& path, std::uint64_t max_inflated_bytes) : name_(path.string()) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw input_error(fmt::format("{}: cannot open: {}", name_, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw input_error(
        fmt::format("{}: {}", name_, S_ISDIR(st.st_mode) ? "is a folder, not a file" : "is not a regular file"));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > 0) {
    void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      ::close(fd);
      throw input_error(fmt::format("{}: cannot map: {}", name_, std::strerror(errno)));
    }
    map_ = m;
    map_size_ = size;
  }
  ::close(fd);
  data_ = static_cast<const unsigned char*>(map_);
  size_ = map_size_;
  if (size_ >= 2 && data_[0] == 0x1f && data_[1] == 0x8b) {
    gzip_ = true;
    ::madvise(map_, map_size_, MADV_SEQUENTIAL);
    owned_ = gunzip({data_, size_}, name_, max_inflated_bytes);
    ::munmap(map_, map_size_);
    map_ = nullptr;
    map_size_ = 0;
    data_ = owned_.data();
    size_ = owned_.size();
  }
}

file_bytes::file_bytes(std::vector<unsigned char> bytes, std::string name)
    : name_(std::move(name)), owned_(std::move(bytes)) {
  data_ = owned_.data();
  size_ = owned_.size();
}

file_bytes::~file_bytes() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

}  // namespace evsnn::data
