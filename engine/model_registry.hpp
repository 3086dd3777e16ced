#pragma once
// model_registry: maps a model name used in network JSON ("lif_alpha", ...) to a factory that builds
// a population from its "params". The engine owns the mechanism; models/ fills it
// (register_builtin_models), so the engine never names a model. A factory reads params through
// json_node (so errors carry file and JSON path) and must call params.finish().
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/json_node.hpp"
#include "engine/population.hpp"

namespace evsnn {

struct model_context {
  std::filesystem::path base_dir;  // folder of the network file: relative paths in params resolve here
};

using population_factory = std::function<std::unique_ptr<population>(
    const std::string& name, std::uint32_t size, const json_node& params, const model_context& ctx)>;

class model_registry {
 public:
  void add(const std::string& model, population_factory factory) { factories_[model] = std::move(factory); }
  const population_factory* find(const std::string& model) const {
    auto it = factories_.find(model);
    return it == factories_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : factories_) out.push_back(k);
    return out;
  }

 private:
  std::map<std::string, population_factory> factories_;
};

}  // namespace evsnn
