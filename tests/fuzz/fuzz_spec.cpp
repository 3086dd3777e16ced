// libFuzzer target: command-line dataset arguments and JSON specs (cheap formats only).
#include <cstddef>
#include <cstdint>
#include <string>

#include "datasets/dataset_spec.hpp"
#include "engine/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace evsnn::data;
  try {
    std::string arg(reinterpret_cast<const char*>(data), size);
    if (arg.find('\0') != std::string::npos) return 0;
    dataset_context ctx;
    ctx.base_dir = "/nonexistent-evsnn-fuzz";
    ctx.data_dir = "/nonexistent-evsnn-fuzz";
    if (!arg.empty() && arg.front() != '{' && arg.find(".json") != std::string::npos) return 0;  // no file reads
    auto spec = parse_dataset_arg(arg, ctx);
    // Keep generated data sets small.
    if (spec.is_object()) {
      for (const char* k : {"samples_per_class", "neurons", "channels", "classes"}) spec[k] = 3;
      spec.erase("max_rate_hz");
      spec.erase("max_spikes");
      spec.erase("steps");
      spec.erase("spikes_per_neuron");
      spec.erase("dim");
      spec.erase("duration_ms");
      if (spec.contains("transforms")) spec.erase("transforms");
    }
    const auto d = open_dataset(spec, ctx);
    sample s;
    for (std::size_t i = 0; i < d->size() && i < 3; ++i) d->load(i, s, 0);
  } catch (const evsnn::input_error&) {
  } catch (const nlohmann::json::exception&) {
    // json::exception from operator[] on odd values in this harness's own edits only.
  }
  return 0;
}
