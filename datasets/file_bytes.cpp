#include "datasets/file_bytes.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn::data {

std::vector<unsigned char> gunzip(std::span<const unsigned char> compressed, const std::string& name) {
  std::vector<unsigned char> out;
  out.reserve(compressed.size() * 4 + 1024);
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw input_error(fmt::format("{}: cannot start gzip decoder", name));
  std::size_t in_pos = 0;
  int rc = Z_OK;
  unsigned char buf[1 << 16];
  while (true) {
    const std::size_t chunk_in = std::min<std::size_t>(compressed.size() - in_pos, 1u << 30);
    zs.next_in = const_cast<unsigned char*>(compressed.data() + in_pos);
    zs.avail_in = static_cast<uInt>(chunk_in);
    zs.next_out = buf;
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    in_pos += chunk_in - zs.avail_in;
    out.insert(out.end(), buf, buf + (sizeof buf - zs.avail_out));
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
      inflateEnd(&zs);
      throw input_error(fmt::format("{}: uncompressed byte {}: corrupt gzip data ({})", name, out.size(), msg));
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_pos >= compressed.size()) {
      inflateEnd(&zs);
      throw input_error(
          fmt::format("{}: uncompressed byte {}: truncated gzip stream (the file ends early)", name, out.size()));
    }
  }
  inflateEnd(&zs);
  return out;
}

file_bytes::file_bytes(const std::filesystem::path& path) : name_(path.string()) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw input_error(fmt::format("{}: cannot open: {}", name_, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw input_error(fmt::format("{}: not a regular file", name_));
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
    owned_ = gunzip({data_, size_}, name_);
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
