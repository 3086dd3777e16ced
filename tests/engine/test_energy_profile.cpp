// energy_profile: the shipped profiles load and carry sources; malformed profiles are one-line errors
// naming file and JSON path; energy is counts x per-op energy, kind by kind.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/energy_profile.hpp"
#include "engine/error.hpp"

using namespace evsnn;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path profile_dir = fs::path(EVSNN_SOURCE_DIR) / "tools" / "profiles";

json minimal_profile() {
  json per_op = json::object();
  for (const char* k : op_kind_names) per_op[k] = {{"energy_pj", 0}, {"source", ""}, {"status", "not_charged"}};
  per_op["synaptic_ac"] = {{"energy_pj", 2.5}, {"source", "paper A"}, {"status", "confirmed"}};
  per_op["neuron_step"] = {{"energy_pj", 10.0}, {"source", "paper B"}, {"status", "unconfirmed"}};
  per_op["dense_mac"] = {{"energy_pj", 0.5}, {"source", "paper C"}, {"status", "derived"}};
  return {{"format", "evsnn-energy-profile/1"},
          {"name", "test"},
          {"title", "a test profile"},
          {"execution", "event_driven"},
          {"per_op", per_op}};
}

std::string error_of(const json& doc) {
  try {
    energy_profile::parse(doc, "p.json");
  } catch (const input_error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("energy_profile: every shipped profile loads, and every charged figure names its source") {
  std::size_t n = 0;
  bool has_ed = false, has_ts = false;
  for (const auto& entry : fs::directory_iterator(profile_dir)) {
    if (entry.path().extension() != ".json") continue;
    CAPTURE(entry.path());
    const energy_profile p = energy_profile::load(entry.path().string());
    CHECK(p.name() == entry.path().stem().string());
    for (std::size_t k = 0; k < op_kind_count; ++k)
      if (p.figure(k).status != "not_charged") CHECK(!p.figure(k).source.empty());
    (p.event_driven() ? has_ed : has_ts) = true;
    ++n;
  }
  CHECK(n >= 4);
  CHECK(has_ed);
  CHECK(has_ts);
  // The figures of docs/energy-sources, as shipped.
  const auto loihi = energy_profile::load((profile_dir / "loihi.json").string());
  CHECK(loihi.figure(op_kind::synaptic_ac).energy_pj == 23.6);
  CHECK(loihi.figure(op_kind::neuron_step).energy_pj == 52.0);
  CHECK(loihi.figure(op_kind::active_neuron_step).energy_pj == 29.0);
  CHECK(loihi.figure(op_kind::weight_update).energy_pj == 120.0);
  const auto h = energy_profile::load((profile_dir / "horowitz45_fp32.json").string());
  CHECK(!h.event_driven());
  CHECK(h.figure(op_kind::dense_mac).energy_pj == 4.6);
  CHECK(energy_profile::load((profile_dir / "horowitz45_fp32_ac.json").string()).figure(op_kind::synaptic_ac).energy_pj == 0.9);
  CHECK(energy_profile::load((profile_dir / "truenorth.json").string()).figure(op_kind::synaptic_ac).energy_pj == 26.0);
}

TEST_CASE("energy_profile: energy equals counts times the per-op energies") {
  const energy_profile p = energy_profile::parse(minimal_profile(), "p.json");
  op_counts c{};
  c[static_cast<std::size_t>(op_kind::synaptic_ac)] = 1000;
  c[static_cast<std::size_t>(op_kind::neuron_step)] = 7;
  c[static_cast<std::size_t>(op_kind::dense_mac)] = 3;
  c[static_cast<std::size_t>(op_kind::queue_op)] = 99;  // not charged
  const op_energies e = p.energy_pj(c);
  CHECK(e[static_cast<std::size_t>(op_kind::synaptic_ac)] == 2500.0);
  CHECK(e[static_cast<std::size_t>(op_kind::neuron_step)] == 70.0);
  CHECK(e[static_cast<std::size_t>(op_kind::dense_mac)] == 1.5);
  CHECK(e[static_cast<std::size_t>(op_kind::queue_op)] == 0.0);
  CHECK(p.total_pj(c) == 2571.5);
}

TEST_CASE("energy_profile: op counts of a run map the counters kind by kind") {
  run_counters rc;
  rc.populations.resize(2);
  rc.projections.resize(2);
  rc.populations[0] = {.spikes = 5, .neuron_updates = 7, .crossing_predictions = 11};
  rc.populations[1] = {.spikes = 1, .neuron_updates = 2, .crossing_predictions = 3};
  rc.projections[0] = {.spikes_in = 1, .synaptic_events = 100, .graded_events = 0, .trace_updates = 4, .weight_updates = 6, .rule_ops = 8};
  rc.projections[1] = {.spikes_in = 1, .synaptic_events = 0, .graded_events = 50};
  rc.queue_pushes = 20;
  rc.queue_pops = 19;
  const op_counts ed = event_driven_op_counts(rc, 1000, 300);
  auto at = [](const op_counts& c, op_kind k) { return c[static_cast<std::size_t>(k)]; };
  CHECK(at(ed, op_kind::synaptic_ac) == 100);
  CHECK(at(ed, op_kind::synaptic_mac) == 50);
  CHECK(at(ed, op_kind::dense_mac) == 0);
  CHECK(at(ed, op_kind::neuron_update) == 9);
  CHECK(at(ed, op_kind::neuron_step) == 1000);
  CHECK(at(ed, op_kind::active_neuron_step) == 300);
  CHECK(at(ed, op_kind::spike) == 6);
  CHECK(at(ed, op_kind::crossing_prediction) == 14);
  CHECK(at(ed, op_kind::queue_op) == 39);
  CHECK(at(ed, op_kind::trace_update) == 4);
  CHECK(at(ed, op_kind::weight_update) == 6);
  CHECK(at(ed, op_kind::rule_op) == 8);
  const op_counts ts = time_stepped_op_counts(rc, 12345, 1000, 300);
  CHECK(at(ts, op_kind::dense_mac) == 12345);
  CHECK(at(ts, op_kind::queue_op) == 0);
  CHECK(at(ts, op_kind::crossing_prediction) == 0);
}

TEST_CASE("energy_profile: a missing or negative field is a clear one-line error") {
  json doc = minimal_profile();
  doc["per_op"].erase("spike");
  CHECK(error_of(doc) == "p.json: /per_op: missing required key 'spike'");

  doc = minimal_profile();
  doc["per_op"]["spike"]["energy_pj"] = -1.0;
  CHECK(error_of(doc) == "p.json: /per_op/spike/energy_pj: must be >= 0, got -1");

  doc = minimal_profile();
  doc["per_op"]["synaptic_ac"].erase("source");
  CHECK(error_of(doc) == "p.json: /per_op/synaptic_ac: missing required key 'source'");

  doc = minimal_profile();
  doc["per_op"]["synaptic_ac"]["energy_pj"] = "23.6";
  CHECK(error_of(doc) == "p.json: /per_op/synaptic_ac/energy_pj: expected a number, got a string");

  doc = minimal_profile();
  doc["per_op"]["spike"] = {{"energy_pj", 3.0}, {"source", "x"}, {"status", "not_charged"}};
  CHECK(error_of(doc) == "p.json: /per_op/spike/energy_pj: status \"not_charged\" needs energy_pj 0, got 3");

  doc = minimal_profile();
  doc["per_op"]["spike"] = {{"energy_pj", 3.0}, {"source", ""}, {"status", "confirmed"}};
  CHECK(error_of(doc) == "p.json: /per_op/spike/source: a charged figure needs its source");

  doc = minimal_profile();
  doc["per_op"]["spike"]["status"] = "guess";
  CHECK(error_of(doc) == "p.json: /per_op/spike/status: 'guess' is not one of: confirmed, unconfirmed, derived, not_charged");

  doc = minimal_profile();
  doc["per_op"]["synaptic_acc"] = doc["per_op"]["synaptic_ac"];
  CHECK(error_of(doc) == "p.json: /per_op: unknown key 'synaptic_acc'");

  doc = minimal_profile();
  doc["execution"] = "clocked";
  CHECK(error_of(doc) == "p.json: /execution: 'clocked' is not one of: event_driven, time_stepped");

  doc = minimal_profile();
  doc["format"] = "evsnn-network/1";
  CHECK(error_of(doc) == "p.json: /format: expected \"evsnn-energy-profile/1\", got \"evsnn-network/1\"");
}

TEST_CASE("find_profile: a path, a name in the profile folders, or an error saying where it looked") {
  CHECK(find_profile("loihi", {"/nonexistent", profile_dir}) == profile_dir / "loihi.json");
  const auto path = (profile_dir / "truenorth.json").string();
  CHECK(find_profile(path, {}) == path);
  CHECK_THROWS_WITH_AS(find_profile("no_such_chip", {"/a", "/b"}),
                       "--profile no_such_chip: no such file, and no no_such_chip.json in /a, /b", input_error);
  CHECK_THROWS_WITH_AS(find_profile("dir/x.json", {"/a"}), "--profile dir/x.json: no such file", input_error);
}
