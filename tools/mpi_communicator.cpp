#include "tools/mpi_communicator.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <vector>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "engine/error.hpp"

#ifdef EVSNN_HAVE_MPI
#include <mpi.h>
#endif

namespace evsnn::cli {

namespace {

// The first of these environment variables that is set, as a count of ranks (1 when none is set).
int ranks_from(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* v = std::getenv(name);
    if (v == nullptr) continue;
    const std::string_view s(v);
    int n = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size() || n < 1)
      throw input_error(fmt::format("environment: {}='{}' is not a number of MPI ranks", name, s));
    return n;
  }
  return 1;
}

}  // namespace

int launcher_ranks() { return ranks_from({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}); }

unsigned threads_per_rank() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const auto local = static_cast<unsigned>(ranks_from({"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"}));
  return std::max(1u, cores / local);
}

#ifdef EVSNN_HAVE_MPI

namespace {

// Element-wise int64 sums that saturate at the int64 range instead of overflowing (MPI_SUM's overflow is
// undefined); exact, and independent of the grouping, whenever no partial sum leaves the range.
void saturating_sum(void* in, void* inout, int* len, MPI_Datatype*) {
  const auto* a = static_cast<const std::int64_t*>(in);
  auto* b = static_cast<std::int64_t*>(inout);
  for (int i = 0; i < *len; ++i) {
    std::int64_t s;
    b[i] = __builtin_add_overflow(a[i], b[i], &s) ? (a[i] > 0 ? INT64_MAX : INT64_MIN) : s;
  }
}

class mpi_world final : public communicator {
 public:
  mpi_world(int& argc, char**& argv) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Op_create(&saturating_sum, 1, &saturating_);
  }
  ~mpi_world() override {
    MPI_Op_free(&saturating_);
    MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(std::span<std::int64_t> v) override { all_reduce(v.data(), v.size(), MPI_INT64_T, saturating_); }
  void sum(std::span<std::uint64_t> v) override { all_reduce(v.data(), v.size(), MPI_UINT64_T, MPI_SUM); }
  std::vector<std::byte> gather(std::span<const std::byte> mine) override {
    if (mine.size() > static_cast<std::size_t>(INT32_MAX) / static_cast<std::size_t>(size_))
      throw std::length_error("mpi_world::gather: too many bytes");
    std::vector<std::byte> all(mine.size() * static_cast<std::size_t>(size_));
    MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_BYTE, all.data(), static_cast<int>(mine.size()),
                  MPI_BYTE, MPI_COMM_WORLD);
    return all;
  }
  void gather_varied(std::span<const std::byte> mine, std::vector<std::byte>& all,
                     std::vector<std::size_t>& counts) override {
    const auto n = static_cast<std::size_t>(size_);
    int own = 0;
    if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      throw std::length_error("mpi_world::gather_varied: too many bytes");
    own = static_cast<int>(mine.size());
    counts_.resize(n);
    offsets_.resize(n);
    MPI_Allgather(&own, 1, MPI_INT, counts_.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::size_t total = 0;
    counts.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      if (total + static_cast<std::size_t>(counts_[r]) > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw std::length_error("mpi_world::gather_varied: more than 2^31 bytes in all");
      offsets_[r] = static_cast<int>(total);
      counts[r] = static_cast<std::size_t>(counts_[r]);
      total += counts[r];
    }
    all.resize(total);
    MPI_Allgatherv(mine.data(), own, MPI_BYTE, all.data(), counts_.data(), offsets_.data(), MPI_BYTE, MPI_COMM_WORLD);
  }
  [[noreturn]] void abort(int status) override {
    MPI_Abort(MPI_COMM_WORLD, status);
    std::_Exit(status);
  }

 private:
  template <typename T>
  void all_reduce(T* p, std::size_t n, MPI_Datatype type, MPI_Op op) {
    constexpr std::size_t chunk = std::size_t(1) << 26;  // MPI counts are int
    for (std::size_t done = 0; done < n; done += chunk)
      MPI_Allreduce(MPI_IN_PLACE, p + done, static_cast<int>(std::min(chunk, n - done)), type, op, MPI_COMM_WORLD);
  }
  int rank_ = 0, size_ = 1;
  MPI_Op saturating_{};
  std::vector<int> counts_, offsets_;  // gather_varied's, reused
};

}  // namespace

bool built_with_mpi() { return true; }

std::unique_ptr<communicator> launch_communicator(int& argc, char**& argv) {
  if (launcher_ranks() <= 1) return std::make_unique<single_process>();
  return std::make_unique<mpi_world>(argc, argv);
}

#else

bool built_with_mpi() { return false; }

std::unique_ptr<communicator> launch_communicator(int&, char**&) {
  const int n = launcher_ranks();
  if (n > 1)
    throw input_error(fmt::format("started as {} MPI ranks, but this evsnn was built without MPI (EVSNN_MPI=OFF; "
                                  "install libopenmpi-dev and rebuild); run it as one process",
                                  n));
  return std::make_unique<single_process>();
}

#endif

}  // namespace evsnn::cli
