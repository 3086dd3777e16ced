#pragma once
// registry<Factory>: the one name -> factory table used for every pluggable kind (models, plasticity
// rules, training rules, losses, optimizers, encoders, data-set formats). The engine owns the mechanism;
// the folder that implements a kind fills it with one add() line per implementation, so the list of
// known names in error messages always comes from the registrations.
// Invariants: names are unique (add() replaces); names() is sorted; lookup() either returns a factory or
// throws input_error at the node that named the unknown kind.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/json_node.hpp"

namespace evsnn {

template <class Factory>
class registry {
 public:
  // kind names what is registered ("model", "rule", ...), for messages.
  explicit registry(std::string kind = "name") : kind_(std::move(kind)) {}

  void add(const std::string& name, Factory factory) { factories_[name] = std::move(factory); }
  const Factory* find(const std::string& name) const {
    auto it = factories_.find(name);
    return it == factories_.end() ? nullptr : &it->second;
  }
  // The factory named by the string at `name_node`, or an input_error at that node listing the known names.
  const Factory& lookup(const json_node& name_node) const {
    const std::string name = name_node.as_string();
    if (const Factory* f = find(name)) return *f;
    name_node.fail(fmt::format("unknown {} '{}' (known: {})", kind_, name, fmt::join(names(), ", ")));
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    out.reserve(factories_.size());
    for (const auto& entry : factories_) out.push_back(entry.first);
    return out;
  }
  const std::string& kind() const { return kind_; }

 private:
  std::string kind_;
  std::map<std::string, Factory> factories_;
};

}  // namespace evsnn
