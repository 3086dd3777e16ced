// Data set readers: events read per second (items/s) for each reader on synthetic files written
// in the published formats, and on the installed Fashion-MNIST when present. No timed assertions.
//   build/tests/bench_datasets --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "datasets/aedat_reader.hpp"
#include "datasets/csv_events_reader.hpp"
#include "datasets/dataset_spec.hpp"
#include "datasets/hdf5_spikes_reader.hpp"
#include "datasets/nmnist_reader.hpp"
#include "datasets/randman.hpp"
#include "datasets/rng.hpp"
#include "tests/datasets/format_writers.hpp"

using namespace evsnn;

namespace {

// SHD-like: 200 samples x 5000 spikes over 1 s on 700 units.
void BM_shd_hdf5(benchmark::State& state) {
  test::temp_dir dir;
  data::rng r(1);
  std::vector<std::vector<float>> times(200);
  std::vector<std::vector<std::uint16_t>> units(200);
  std::vector<std::uint16_t> labels(200);
  for (std::size_t i = 0; i < 200; ++i) {
    double t = 0;
    for (int k = 0; k < 5000; ++k) {
      t += r.exponential() * 0.0002;
      times[i].push_back(static_cast<float>(t));
      units[i].push_back(static_cast<std::uint16_t>(r.below(700)));
    }
    labels[i] = static_cast<std::uint16_t>(i % 20);
  }
  test::write_shd(dir / "shd_train.h5", times, units, labels);
  std::size_t events = 0;
  for (auto _ : state) {
    data::hdf5_spikes_options o;
    o.channels = 700;
    const auto f = data::read_hdf5_spikes(dir / "shd_train.h5", o);
    events += f.store->total_events();
    benchmark::DoNotOptimize(f.store.get());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}
BENCHMARK(BM_shd_hdf5)->Unit(benchmark::kMillisecond);

// N-MNIST: one 4000-event file parsed from memory (the per-file cost of the lazy reader).
void BM_nmnist_parse(benchmark::State& state) {
  std::vector<test::nmnist_event> ev;
  data::rng r(2);
  for (std::uint32_t k = 0; k < 4000; ++k)
    ev.push_back({static_cast<std::uint8_t>(r.below(34)), static_cast<std::uint8_t>(r.below(34)),
                  static_cast<std::uint8_t>(r.below(2)), k * 75});
  const auto bytes = test::nmnist_bytes(ev);
  data::sample s;
  data::nmnist_options o;
  for (auto _ : state) {
    data::parse_nmnist(bytes, "b.bin", o, s);
    benchmark::DoNotOptimize(s.events.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ev.size()));
}
BENCHMARK(BM_nmnist_parse);

// N-MNIST through the data set (file open + read + parse), 100 files.
void BM_nmnist_dataset(benchmark::State& state) {
  test::temp_dir dir;
  std::vector<test::nmnist_event> ev;
  data::rng r(3);
  for (std::uint32_t k = 0; k < 4000; ++k)
    ev.push_back({static_cast<std::uint8_t>(r.below(34)), static_cast<std::uint8_t>(r.below(34)),
                  static_cast<std::uint8_t>(r.below(2)), k * 75});
  for (int d = 0; d < 10; ++d)
    for (int f = 0; f < 10; ++f)
      test::write_bytes(dir / ("Train/" + std::to_string(d) + "/" + std::to_string(f) + ".bin"), test::nmnist_bytes(ev));
  data::dataset_context ctx;
  const auto ds = data::open_dataset({{"format", "nmnist"}, {"path", dir.path().string()}}, ctx);
  data::sample s;
  std::size_t events = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < ds->size(); ++i) {
      ds->load(i, s, 0);
      events += s.events.size();
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}
BENCHMARK(BM_nmnist_dataset)->Unit(benchmark::kMillisecond);

// AEDAT 3.1: index a 1M-event file and read one 6 s window.
void BM_aedat(benchmark::State& state) {
  std::vector<test::aedat_event> ev;
  data::rng r(4);
  for (std::int64_t k = 0; k < 1000000; ++k)
    ev.push_back({static_cast<std::uint16_t>(r.below(128)), static_cast<std::uint16_t>(r.below(128)),
                  static_cast<std::uint8_t>(r.below(2)), k * 6});
  const auto bytes = test::aedat_bytes(ev, 4096);
  data::sample s;
  std::size_t events = 0;
  for (auto _ : state) {
    const auto idx = data::index_aedat(bytes, "b.aedat");
    s.events.clear();
    data::read_aedat_window(bytes, idx, "b.aedat", 0, 6000000, 128, 128, s);
    events += s.events.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}
BENCHMARK(BM_aedat)->Unit(benchmark::kMillisecond);

// CSV: 100 samples x 1000 events.
void BM_csv(benchmark::State& state) {
  std::string text = "sample,time_ms,channel,label\n";
  for (int i = 0; i < 100; ++i)
    for (int k = 0; k < 1000; ++k) text += std::to_string(i) + "," + std::to_string(k * 0.25) + "," + std::to_string(k % 256) + "," + std::to_string(i % 10) + "\n";
  std::size_t events = 0;
  for (auto _ : state) {
    const auto f = data::parse_csv_events(text, "b.csv", nullptr, "", {});
    events += f.store->total_events();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}
BENCHMARK(BM_csv)->Unit(benchmark::kMillisecond);

// IDX: read (gunzip) + TTFS-encode every image of a data set. Arg 0: synthetic 10,000 images,
// arg 1: the installed Fashion-MNIST training set (skipped when absent).
void BM_idx_ttfs(benchmark::State& state) {
  test::temp_dir dir;
  std::filesystem::path path = dir.path();
  if (state.range(0) == 1) {
    path = data::find_data_dir() / "fashion-mnist";
    if (!std::filesystem::exists(path / "train-images-idx3-ubyte.gz")) path = "/usr/share/datasets/fashion-mnist";
    if (!std::filesystem::exists(path / "train-images-idx3-ubyte.gz")) {
      state.SkipWithError("Fashion-MNIST not installed");
      return;
    }
  } else {
    data::rng r(5);
    std::vector<unsigned char> px(10000 * 784), lab(10000);
    for (auto& p : px) p = r.uniform() < 0.5 ? 0 : static_cast<unsigned char>(r.below(256));
    for (auto& l : lab) l = static_cast<unsigned char>(r.below(10));
    test::write_bytes(dir / "train-images-idx3-ubyte.gz", test::gzip_bytes(test::idx_bytes(8, {10000, 28, 28}, px)));
    test::write_bytes(dir / "train-labels-idx1-ubyte.gz", test::gzip_bytes(test::idx_bytes(8, {10000}, lab)));
  }
  std::size_t events = 0;
  for (auto _ : state) {
    data::dataset_context ctx;
    const auto ds = data::open_dataset({{"format", "idx"}, {"path", path.string()}}, ctx);
    data::sample s;
    for (std::size_t i = 0; i < ds->size(); ++i) {
      ds->load(i, s, 0);
      events += s.events.size();
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}
BENCHMARK(BM_idx_ttfs)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(2);

// Randman generation: events generated per second, whole data sets of options o.
void bench_randman(benchmark::State& state, const data::randman_options& o) {
  std::size_t events = 0;
  for (auto _ : state) {
    const auto st = data::generate_randman(o);
    events += st->total_events();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}

// 10 classes x 100 samples x 100 neurons, temporal.
void BM_randman(benchmark::State& state) {
  data::randman_options o;
  o.samples_per_class = 100;
  bench_randman(state, o);
}
BENCHMARK(BM_randman)->Unit(benchmark::kMillisecond);

// Seed 004's Randman (the OTPE configs): 10 classes x 100 samples x 50 neurons, dim 3, alpha 1 (1,000 sinusoids
// per neuron and dimension), spectrum offset 1, 50 ticks.
void BM_randman_seed004(benchmark::State& state) {
  data::randman_options o;
  o.dim = 3;
  o.neurons = 50;
  o.alpha = 1.0;
  o.spectrum_offset = 1.0;
  o.ticks = 50;
  o.samples_per_class = 100;
  bench_randman(state, o);
}
BENCHMARK(BM_randman_seed004)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
