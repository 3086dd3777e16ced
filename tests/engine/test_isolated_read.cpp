// isolated_read: a result larger than the pipe and its frames arrives whole and in order; the child's
// input_error reaches the parent with its message, before any result and midway through one; a child that
// crashes, loops, blocks, runs out of memory or ends early gives one input_error naming the file; a reader that
// leaves bytes unread is a logic_error; no child is left behind (each is reaped).
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/error.hpp"
#include "engine/isolated_read.hpp"
#include "engine/memory_budget.hpp"
#include "tests/support/error_of.hpp"

using evsnn::input_error;
using evsnn::isolated_in;
using evsnn::isolated_out;
using evsnn::isolation_limits;
using evsnn::read_isolated;

namespace {

bool no_child_left() { return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD; }

isolation_limits quick(double cpu_s = 10.0, double wall_s = 40.0) {
  isolation_limits l;
  l.cpu_seconds = cpu_s;
  l.wall_seconds = wall_s;
  return l;
}

// The input_error of read_isolated(produce), with a consume that reads one vector of doubles.
std::string error_of(const std::function<void(isolated_out&)>& produce, const isolation_limits& limits = quick()) {
  return evsnn::test::error_of([&] {
    read_isolated("f.h5", limits, produce, [](isolated_in& in) {
      std::vector<double> v;
      in.values(v, 1000);
    });
  });
}

}  // namespace

TEST_CASE("isolated_read: a result of several frames, larger than the pipe, arrives whole and in order") {
  std::vector<double> big(3'000'000);
  for (std::size_t k = 0; k < big.size(); ++k) big[k] = 0.5 * static_cast<double>(k) - 7.0;
  std::vector<std::uint32_t> small_in;
  std::vector<double> big_in;
  std::string text_in;
  std::uint64_t tail = 0;
  int out_of_order = 0;
  read_isolated(
      "f.h5", quick(),
      [&](isolated_out& o) {
        for (std::uint32_t k = 0; k < 100'000; ++k) o.value(k);  // many small writes: several buffered frames
        o.values(std::vector<std::uint32_t>{7, 8, 9});
        o.values(big);  // 24 MB: a frame of its own
        o.text("après");
        o.value<std::uint64_t>(0xfeedfacecafebeef);
      },
      [&](isolated_in& in) {
        for (std::uint32_t k = 0; k < 100'000; ++k) out_of_order += in.value<std::uint32_t>() != k;
        in.values(small_in, 3);
        in.values(big_in, big.size());
        text_in = in.text(64);
        tail = in.value<std::uint64_t>();
      });
  CHECK(out_of_order == 0);
  CHECK(small_in == std::vector<std::uint32_t>{7, 8, 9});
  CHECK(big_in == big);
  CHECK(text_in == "après");
  CHECK(tail == 0xfeedfacecafebeef);
  CHECK(no_child_left());
}

TEST_CASE("isolated_read: the child's input_error reaches the parent with its message") {
  SUBCASE("before any result") {
    CHECK(error_of([](isolated_out&) { throw input_error("w.h5: /w: no such dataset in the file"); }) ==
          "w.h5: /w: no such dataset in the file");
  }
  SUBCASE("midway, after part of the result was sent") {
    // The vector's count and half its values went out first; the error is thrown where consume reads on.
    CHECK(error_of([](isolated_out& o) {
            o.value<std::uint64_t>(1000);
            o.bytes(std::vector<double>(500).data(), 500 * sizeof(double));
            o.flush();
            throw input_error("shd.h5: sample 300: 5 spike times but 4 units");
          }) == "shd.h5: sample 300: 5 spike times but 4 units");
  }
  SUBCASE("any std::exception, with its message") {
    CHECK(error_of([](isolated_out&) { throw std::runtime_error("odd"); }) == "odd");
  }
  CHECK(no_child_left());
}

TEST_CASE("isolated_read: a child that crashes, loops, blocks or ends early is one input_error naming the file") {
  SUBCASE("a crash") {
    // SIGABRT: the sanitizer builds turn SIGSEGV into a report and an exit status of their own.
    const std::string e = error_of([](isolated_out&) { std::raise(SIGABRT); });
    CHECK(e.starts_with("f.h5: the HDF5 library crashed reading it (signal 6"));
    CHECK(e.find("the file is damaged") != std::string::npos);
  }
  SUBCASE("an endless loop: the CPU-time limit") {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string e = error_of(
        [](isolated_out&) {
          volatile std::uint64_t x = 0;
          while (true) x = x + 1;
        },
        quick(1.0, 30.0));
    CHECK(e.starts_with("f.h5: the HDF5 library ran over its 1 s of CPU time"));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
  }
  SUBCASE("blocked: the wall-time limit") {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string e = error_of([](isolated_out&) { std::this_thread::sleep_for(std::chrono::hours(1)); },
                                   quick(10.0, 0.5));
    CHECK(e == "f.h5: the HDF5 library took over 0.5 s of wall time reading it: the file is damaged or not what "
               "it claims to be");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  }
  SUBCASE("out of memory") {
    const std::string e = error_of([](isolated_out&) { throw std::bad_alloc(); });
    CHECK(e.starts_with("f.h5: the HDF5 library needed more memory than this process may use"));
  }
  SUBCASE("ended with part of the result") {
    const std::string e = error_of([](isolated_out& o) {
      o.value<std::uint64_t>(10);
      o.flush();
      ::_exit(0);
    });
    CHECK(e.starts_with("f.h5: the HDF5 library ended without a whole result"));
  }
  CHECK(no_child_left());
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
TEST_CASE("isolated_read: the child's address space is limited to this process's size and what it may use") {
  // What a damaged file can make the HDF5 library ask for is refused at once in the child, instead of being
  // granted (overcommit) and exhausting the machine as it is used.
  rlimit child{};
  read_isolated(
      "f.h5", quick(),
      [](isolated_out& o) {
        rlimit l{};
        ::getrlimit(RLIMIT_AS, &l);
        o.value(l);
      },
      [&](isolated_in& in) { child = in.value<rlimit>(); });
  REQUIRE(child.rlim_cur != RLIM_INFINITY);
  CHECK(child.rlim_cur >= evsnn::usable_memory_bytes());
  CHECK(child.rlim_cur <= evsnn::usable_memory_bytes() + (std::uint64_t(64) << 30));
  // Beyond it: std::bad_alloc in the child, one input_error here.
  const std::string e = error_of([](isolated_out&) {
    std::vector<char> v(evsnn::usable_memory_bytes() + (std::uint64_t(65) << 30));
    v[v.size() - 1] = 1;
  });
  CHECK(e.starts_with("f.h5: the HDF5 library needed more memory than this process may use"));
  CHECK(no_child_left());
}
#endif

TEST_CASE("isolated_read: a reader that leaves bytes unread, or reads past the result, is the caller's bug") {
  CHECK_THROWS_AS(read_isolated(
                      "f.h5", quick(), [](isolated_out& o) { o.value<int>(1), o.value<int>(2); },
                      [](isolated_in& in) { in.value<int>(); }),
                  std::logic_error);
  CHECK_THROWS_WITH_AS(read_isolated(
                           "f.h5", quick(), [](isolated_out& o) { o.value<int>(1); },
                           [](isolated_in& in) { in.value<int>(), in.value<int>(); }),
                       doctest::Contains("ended without a whole result"), input_error);
  CHECK(no_child_left());
}

TEST_CASE("isolated_read: limits_for_file grows with the file") {
  const isolation_limits small = evsnn::limits_for_file(2048), large = evsnn::limits_for_file(300u << 20);
  CHECK(small.cpu_seconds >= 10.0);
  CHECK(large.cpu_seconds >= 300.0);
  CHECK(large.wall_seconds > large.cpu_seconds);
}
