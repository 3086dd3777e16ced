// train_log: the one schema drives the CSV writer, the JSON writer and the JSON reader; every column
// appears in both formats with the same values, per-layer columns expand to <name>_<l>, and JSON
// written then read back gives the same log.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "rules/train_log.hpp"

using namespace evsnn::rules;

namespace {

train_log sample_log() {
  train_log log;
  epoch_metrics e0;
  e0.epoch = 0;
  e0.test_accuracy = 0.1;
  e0.wall_time_s = 12.0;  // not a training pass: written blank
  log.initial = e0;
  for (std::uint64_t e = 1; e <= 2; ++e) {
    epoch_metrics m;
    m.epoch = e;
    m.loss = 1.0 / static_cast<double>(e);
    m.train_accuracy = 0.5 + 0.1 * static_cast<double>(e);
    m.test_accuracy = 0.25 * static_cast<double>(e);
    m.spikes_per_sample = 100.5;
    m.synaptic_events_per_sample = 9000;
    m.energy_per_sample_uj = 0.125;
    m.wall_time_s = 3.5;
    m.samples_per_s = 1000;
    m.lr = 0.003;
    m.update_cosine = {0.5, e == 1 ? not_measured : 0.75};
    if (e == 2) m.feedback_cosine = {0.9};
    if (e == 2) m.silent_hidden = {3, 0};
    log.epochs.push_back(m);
  }
  return log;
}

std::vector<std::vector<std::string>> split_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::size_t p = 0;
    while (true) {
      const std::size_t q = line.find(',', p);
      cells.push_back(line.substr(p, q == std::string::npos ? std::string::npos : q - p));
      if (q == std::string::npos) break;
      p = q + 1;
    }
    rows.push_back(cells);
  }
  return rows;
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

}  // namespace

TEST_CASE("train_log: the CSV header follows the schema, per-layer columns expand") {
  const auto rows = split_csv(sample_log().csv());
  REQUIRE(rows.size() == 4);
  std::vector<std::string> expected = {"epoch"};
  for (const auto& c : train_log_columns())
    if (c.value) expected.emplace_back(c.name);
  for (const char* extra :
       {"update_cosine_0", "update_cosine_1", "feedback_cosine_0", "silent_hidden_0", "silent_hidden_1"})
    expected.emplace_back(extra);
  CHECK(rows[0] == expected);
  for (const auto& r : rows) CHECK(r.size() == expected.size());
  CHECK(find_train_log_column("update_cosine_12") == find_train_log_column("update_cosine_0"));
  CHECK(find_train_log_column("update_cosine") == nullptr);
  CHECK(find_train_log_column("update_cosine_x") == nullptr);
  CHECK(find_train_log_column("loss")->kind == column_kind::loss);
  CHECK(find_train_log_column("test_accuracy")->kind == column_kind::accuracy);
}

TEST_CASE("train_log: CSV and JSON agree on every column of every row") {
  const train_log log = sample_log();
  const auto rows = split_csv(log.csv());
  const nlohmann::json j = log.json();
  CHECK(j["format"] == train_log_format);
  const auto& epochs = j["epochs"];
  REQUIRE(epochs.size() == rows.size() - 1);
  const auto& header = rows[0];
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const nlohmann::json& row = epochs[r - 1];
    CHECK(rows[r][0] == std::to_string(row["epoch"].get<std::uint64_t>()));
    for (std::size_t c = 1; c < header.size(); ++c) {
      const train_log_column* col = find_train_log_column(header[c]);
      REQUIRE(col != nullptr);
      nlohmann::json cell;
      if (col->value) {
        cell = row[std::string(col->name)];
      } else {
        const auto& a = row[std::string(col->name)];
        const std::size_t l = std::stoul(header[c].substr(col->name.size() + 1));
        cell = l < a.size() ? a[l] : nlohmann::json(nullptr);
      }
      INFO("row " << r << " column " << header[c]);
      if (cell.is_null()) {
        CHECK(rows[r][c].empty());
      } else {
        CHECK(std::stod(rows[r][c]) == cell.get<double>());
      }
    }
    // The JSON has no column the CSV lacks.
    for (auto it = row.begin(); it != row.end(); ++it)
      CHECK((it.key() == "epoch" || find_train_log_column(it.key()) || find_train_log_column(it.key() + "_0")));
  }
  // Epoch 0 shows no wall time (no training pass).
  CHECK(epochs[0]["wall_time_s"].is_null());
  CHECK(rows[1][std::size_t(std::find(header.begin(), header.end(), "wall_time_s") - header.begin())].empty());
}

TEST_CASE("train_log: JSON round trip, and reader errors name the place") {
  const train_log log = sample_log();
  const train_log back = train_log::from_json(log.json(), "ck.evsnn: header /log");
  REQUIRE(back.initial.has_value());
  CHECK(back.initial->epoch == 0);
  CHECK(back.initial->wall_time_s == 0.0);  // blank reads back as 0
  REQUIRE(back.epochs.size() == log.epochs.size());
  for (std::size_t e = 0; e < log.epochs.size(); ++e) {
    const epoch_metrics &a = log.epochs[e], &b = back.epochs[e];
    CHECK(a.epoch == b.epoch);
    for (const auto& c : train_log_columns()) {
      if (c.value) {
        CHECK(same(a.*c.value, b.*c.value));
      } else {
        REQUIRE((a.*c.per_layer).size() == (b.*c.per_layer).size());
        for (std::size_t l = 0; l < (a.*c.per_layer).size(); ++l) CHECK(same((a.*c.per_layer)[l], (b.*c.per_layer)[l]));
      }
    }
  }
  CHECK(back.json() == log.json());
  CHECK(back.csv() == log.csv());
  nlohmann::json bad = log.json();
  bad["epochs"][1]["loss"] = "x";
  try {
    train_log::from_json(bad, "ck.evsnn: header /log");
    FAIL("no error");
  } catch (const evsnn::input_error& e) {
    CHECK(std::string(e.what()).find("ck.evsnn: header /log: /epochs/1/loss: expected a number or null") == 0);
  }
}
