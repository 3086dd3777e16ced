#pragma once
// model_registry: maps a model name used in network JSON ("lif_alpha", ...) to a factory that builds
// a population from its "params" (an instance of the one registry template). The engine owns the
// mechanism; models/ fills it (register_builtin_models), so the engine never names a model. A factory
// reads params through json_node (so errors carry file and JSON path) and must call params.finish().
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "engine/json_node.hpp"
#include "engine/population.hpp"
#include "engine/registry.hpp"

namespace evsnn {

class array_cache;

struct model_context {
  std::filesystem::path base_dir;  // folder of the network file: relative paths in params resolve here
  array_cache* arrays = nullptr;   // where array files are read through (engine/array_cache), or null
};

using population_factory = std::function<std::unique_ptr<population>(
    const std::string& name, std::uint32_t size, const json_node& params, const model_context& ctx)>;

class model_registry : public registry<population_factory> {
 public:
  model_registry() : registry<population_factory>("model") {}
};

}  // namespace evsnn
