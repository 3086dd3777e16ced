#pragma once
// isolated_read: reads an untrusted file with a third-party library (HDF5) in a child process, so that what the
// library does with a damaged file — crash, loop forever, allocate what the file claims — ends the child, not
// evsnn. libhdf5 does all three on malformed files (tests/fuzz/fuzz_hdf5 found a loop in its global heap within
// a minute; upstream: HDFGroup/hdf5 issue 1707 and many CVEs), and evsnn's rule is one clear line and exit 2.
//
// read_isolated(what, limits, produce, consume): a forked child runs produce(out), which reads the file and
// writes its result to `out`; the parent reads it from a pipe in consume(in), as it comes (a reader that writes
// its result in parts as it reads never holds the whole of it twice). Outcomes in the parent:
//   - the child's input_error (or other std::exception), whenever it happens: an input_error with the same
//     message, thrown from the read in consume that reaches it;
//   - the child killed by a signal, over its CPU or wall time, out of memory, or ended without a whole result:
//     an input_error "<what>: the HDF5 library <what happened> reading it: the file is damaged ...".
// Limits (limits_for_file): CPU time 10 s plus 1 s per MiB of file, far above any honest read (an SHD split of
// 273 MB reads in ~8 s); wall time 4x that, for a read that blocks instead; address space this process's size
// plus usable_memory_bytes(), so an allocation of what a file claims fails in the child instead of exhausting the
// machine (not applied under AddressSanitizer or ThreadSanitizer, which reserve terabytes of address space).
// Invariants: the child never returns into the caller (it ends with _exit: no destructor or atexit handler of
// the parent's state runs in it) and writes nothing but the pipe; every child is reaped before read_isolated
// returns or throws; consume must read exactly what produce wrote (bytes left over are a std::logic_error;
// reading past the end is the input_error of a child that ended early).
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace evsnn {

struct isolation_limits {
  double cpu_seconds = 10.0;
  double wall_seconds = 40.0;
  bool limit_address_space = true;  // to this process's size plus usable_memory_bytes()
};

// The limits for reading a file of this many bytes (see above); and for the file at path (0 bytes where it is not
// a regular file: the reader in the child reports that).
isolation_limits limits_for_file(std::uint64_t file_bytes);
isolation_limits limits_for_file(const std::filesystem::path& path);

// The child's end of the pipe: what produce writes, sent in frames (a length, then that many bytes; large
// arrays as frames of their own, without a copy). An exception in produce becomes an error frame, which the
// parent's isolated_in throws as an input_error wherever consume is reading.
class isolated_out {
 public:
  explicit isolated_out(int fd) : fd_(fd) { buf_.reserve(frame_bytes); }
  void bytes(const void* data, std::size_t n);
  template <class T>
  void value(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes(&v, sizeof v);
  }
  // A count, then the elements.
  template <class T>
  void values(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    value<std::uint64_t>(v.size());
    bytes(v.data(), v.size() * sizeof(T));
  }
  void text(const std::string& s) { values(std::vector<char>(s.begin(), s.end())); }
  void flush();                          // sends what is buffered
  void fail(const std::string& message);  // drops what is buffered and sends an error frame

  static constexpr std::size_t frame_bytes = std::size_t(1) << 20;

 private:
  int fd_;
  std::vector<char> buf_;
};

// The parent's end: what consume reads, each read bounded by the wall-time deadline.
class isolated_in {
 public:
  isolated_in(int fd, double deadline_s) : fd_(fd), deadline_s_(deadline_s) {}
  void bytes(void* data, std::size_t n);
  template <class T>
  T value() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    bytes(&v, sizeof v);
    return v;
  }
  // A count (at most max_count, else std::logic_error: the child is evsnn's own code), then the elements.
  template <class T>
  void values(std::vector<T>& v, std::uint64_t max_count) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto n = value<std::uint64_t>();
    check_count(n, max_count);
    v.resize(n);
    bytes(v.data(), n * sizeof(T));
  }
  std::string text(std::uint64_t max_chars);
  // True when the child has closed the pipe with nothing more written.
  bool at_end();

 private:
  void check_count(std::uint64_t n, std::uint64_t max_count) const;
  bool next_frame();                                   // false at the end of the pipe; throws an error frame
  void raw(void* data, std::size_t n, bool may_end);   // exactly n bytes (or none, where may_end)
  std::size_t read_some(void* data, std::size_t n);    // 0 at the end of the pipe; throws on the deadline
  int fd_;
  double deadline_s_;  // steady-clock seconds
  std::uint64_t frame_left_ = 0;
  bool ended_ = false;
};

void read_isolated(const std::string& what, const isolation_limits& limits,
                   const std::function<void(isolated_out&)>& produce, const std::function<void(isolated_in&)>& consume);

}  // namespace evsnn
