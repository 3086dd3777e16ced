#include "rules/train_log.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn::rules {

namespace {

using m = epoch_metrics;
using k = column_kind;

// The schema. Figures find their titles and labels here; the CSV and JSON use the names.
constexpr std::array<train_log_column, 18> columns = {{
    {"loss", &m::loss, nullptr, k::loss, false, "Loss", "loss", "loss"},
    {"train_accuracy", &m::train_accuracy, nullptr, k::accuracy, false, "Accuracy", "accuracy (%)", "train"},
    {"test_accuracy", &m::test_accuracy, nullptr, k::accuracy, false, "Accuracy", "accuracy (%)", "test"},
    {"validation_accuracy", &m::validation_accuracy, nullptr, k::accuracy, false, "Accuracy", "accuracy (%)",
     "validation"},
    {"spikes_per_sample", &m::spikes_per_sample, nullptr, k::other, false, "Spikes per sample", "spikes per sample",
     "spikes"},
    {"synaptic_events_per_sample", &m::synaptic_events_per_sample, nullptr, k::other, false,
     "Synaptic events per sample", "synaptic events per sample", "synaptic events"},
    {"energy_per_sample_uj", &m::energy_per_sample_uj, nullptr, k::other, false, "Energy per sample",
     "energy per sample (µJ)", "energy"},
    {"train_learning_ops_per_sample", &m::train_learning_ops_per_sample, nullptr, k::other, false,
     "Learning operations per training sample", "operations per training sample", "learning ops"},
    {"train_energy_per_sample_uj", &m::train_energy_per_sample_uj, nullptr, k::other, false,
     "Energy per training sample", "energy per training sample (µJ)", "event-driven"},
    {"train_energy_stepped_per_sample_uj", &m::train_energy_stepped_per_sample_uj, nullptr, k::other, false,
     "Energy per training sample", "energy per training sample (µJ)", "time-stepped"},
    {"wall_time_s", &m::wall_time_s, nullptr, k::other, true, "Wall time", "wall time (s)", "wall time"},
    {"samples_per_s", &m::samples_per_s, nullptr, k::other, false, "Throughput", "samples per second", "samples/s"},
    {"lr", &m::lr, nullptr, k::other, false, "Learning rate", "learning rate", "learning rate"},
    {"model_cosine", &m::model_cosine, nullptr, k::other, false, "Update alignment (model)",
     "cos(update, reference gradient), all layers", "model cosine"},
    {"silent_outputs", &m::silent_outputs, nullptr, k::other, false, "Silent output neurons",
     "output neurons silent in every training sample", "silent outputs"},
    {"update_cosine", nullptr, &m::update_cosine, k::other, false, "Update alignment",
     "cos(update, reference gradient)", "update cosine"},
    {"feedback_cosine", nullptr, &m::feedback_cosine, k::other, false, "Feedback alignment",
     "cos(feedback, effective weights)", "feedback cosine"},
    {"silent_hidden", nullptr, &m::silent_hidden, k::other, false, "Silent hidden neurons",
     "hidden neurons silent in every training sample", "silent hidden"},
}};

std::string cell(double x) { return std::isfinite(x) ? fmt::format("{:.10g}", x) : std::string(); }
nlohmann::json jcell(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

// The value a column shows for row r (blank for a trained-only column at epoch 0).
double shown(const train_log_column& c, const epoch_metrics& r) {
  return c.trained_only && r.epoch == 0 ? not_measured : r.*c.value;
}

}  // namespace

std::span<const train_log_column> train_log_columns() { return columns; }

const train_log_column* find_train_log_column(std::string_view name) {
  for (const auto& c : columns) {
    if (c.value && name == c.name) return &c;
    if (c.per_layer && name.size() > c.name.size() + 1 && name.starts_with(c.name) && name[c.name.size()] == '_') {
      const std::string_view digits = name.substr(c.name.size() + 1);
      std::size_t l = 0;
      const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), l);
      if (ec == std::errc() && p == digits.data() + digits.size()) return &c;
    }
  }
  return nullptr;
}

std::string train_log::csv() const {
  std::vector<const epoch_metrics*> rows;
  if (initial) rows.push_back(&*initial);
  for (const auto& r : epochs) rows.push_back(&r);
  // A per-layer column has as many CSV columns as its longest row has layers.
  std::array<std::size_t, columns.size()> width{};
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (columns[c].per_layer)
      for (const epoch_metrics* r : rows) width[c] = std::max(width[c], (r->*columns[c].per_layer).size());
  std::string out = "epoch";
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].value) fmt::format_to(std::back_inserter(out), ",{}", columns[c].name);
    for (std::size_t l = 0; l < width[c]; ++l) fmt::format_to(std::back_inserter(out), ",{}_{}", columns[c].name, l);
  }
  out += '\n';
  for (const epoch_metrics* r : rows) {
    fmt::format_to(std::back_inserter(out), "{}", r->epoch);
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (columns[c].value) out += ',' + cell(shown(columns[c], *r));
      const std::vector<double>* v = columns[c].per_layer ? &(r->*columns[c].per_layer) : nullptr;
      for (std::size_t l = 0; l < width[c]; ++l) out += ',' + (l < v->size() ? cell((*v)[l]) : std::string());
    }
    out += '\n';
  }
  return out;
}

nlohmann::json train_log::json() const {
  nlohmann::json rows = nlohmann::json::array();
  auto row = [&](const epoch_metrics& r) {
    nlohmann::json j = {{"epoch", r.epoch}};
    for (const auto& c : columns) {
      if (c.value) {
        j[std::string(c.name)] = jcell(shown(c, r));
      } else {
        nlohmann::json a = nlohmann::json::array();
        for (double x : r.*c.per_layer) a.push_back(jcell(x));
        j[std::string(c.name)] = std::move(a);
      }
    }
    rows.push_back(std::move(j));
  };
  if (initial) row(*initial);
  for (const auto& r : epochs) row(r);
  return {{"format", train_log_format}, {"epochs", std::move(rows)}};
}

train_log train_log::from_json(const nlohmann::json& doc, const std::string& where) {
  auto fail = [&](const std::string& path, const std::string& what) {
    throw input_error(fmt::format("{}: {}: {}", where, path, what));
  };
  if (!doc.is_object() || !doc.contains("format") || doc["format"] != train_log_format)
    fail("/format", fmt::format("expected \"{}\"", train_log_format));
  if (!doc.contains("epochs") || !doc["epochs"].is_array()) fail("/epochs", "expected an array");
  auto number = [&](const nlohmann::json& x, const std::string& path) {
    if (x.is_null()) return not_measured;
    if (!x.is_number()) fail(path, "expected a number or null, got " + x.dump());
    return x.get<double>();
  };
  train_log log;
  const nlohmann::json& rows = doc["epochs"];
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const nlohmann::json& j = rows[i];
    const std::string path = fmt::format("/epochs/{}", i);
    if (!j.is_object()) fail(path, "expected an object");
    if (!j.contains("epoch") || !j["epoch"].is_number_unsigned()) fail(path + "/epoch", "expected a whole number >= 0");
    epoch_metrics r;
    r.epoch = j["epoch"].get<std::uint64_t>();
    for (const auto& c : columns) {
      const std::string key(c.name), at = path + "/" + key;
      if (!j.contains(key)) continue;  // not measured
      if (c.value) {
        const double v = number(j[key], at);
        r.*c.value = std::isnan(v) && c.trained_only ? 0.0 : v;
      } else {
        if (!j[key].is_array()) fail(at, "expected an array");
        for (std::size_t l = 0; l < j[key].size(); ++l)
          (r.*c.per_layer).push_back(number(j[key][l], fmt::format("{}/{}", at, l)));
      }
    }
    if (r.epoch == 0)
      log.initial = std::move(r);
    else
      log.epochs.push_back(std::move(r));
  }
  return log;
}

}  // namespace evsnn::rules
