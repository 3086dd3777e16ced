#include <doctest/doctest.h>

#include "datasets/csv_events_reader.hpp"
#include "datasets/dataset_spec.hpp"
#include "engine/error.hpp"
#include "tests/datasets/format_writers.hpp"

using namespace evsnn;
using evsnn::test::temp_dir;

namespace {
std::string csv_error(const std::string& text, const std::string* labels = nullptr, std::uint32_t classes = 0) {
  try {
    data::csv_events_options o;
    o.classes = classes;
    data::parse_csv_events(text, "e.csv", labels, "l.txt", o);
  } catch (const input_error& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("csv: samples with a label column read back event for event") {
  temp_dir dir;
  test::write_text(dir / "train.csv",
                   "sample,time_ms,channel,grade,label\n0,0.5,3,1,1\n0,0.5,1,0.25,1\n0,2,0,1,1\n1,1.25,7,2,0\n");
  data::dataset_context ctx;
  ctx.base_dir = dir.path();
  const auto d = data::open_dataset({{"format", "csv"}, {"train", "train.csv"}, {"duration_ms", 10}}, ctx);
  REQUIRE(d->size() == 2);
  CHECK(d->channels() == 8);
  CHECK(d->classes() == 2);
  const auto s = d->get(0);
  CHECK(s.label == 1);
  CHECK(s.duration_ms == 10.0);
  REQUIRE(s.events.size() == 3);
  CHECK(s.events[0].channel == 1);  // equal times sorted by channel
  CHECK(s.events[0].grade == 0.25f);
  CHECK(s.events[1].channel == 3);
  CHECK(s.events[2].time_ms == 2.0);
  const auto t = d->get(1);
  CHECK(t.label == 0);
  CHECK(t.events[0].grade == 2.0f);
}

TEST_CASE("csv: a single-sample file takes its label from a labels file") {
  temp_dir dir;
  test::write_text(dir / "a.csv", "time_ms,channel\n1,0\n2,1\n");
  test::write_text(dir / "a.labels", "label\n4\n");
  data::dataset_context ctx;
  ctx.base_dir = dir.path();
  const auto d = data::open_dataset(
      {{"format", "csv"}, {"path", "a.csv"}, {"labels", "a.labels"}, {"classes", 5}, {"channels", 4}}, ctx);
  CHECK(d->size() == 1);
  CHECK(d->label(0) == 4);
  CHECK(d->channels() == 4);
  CHECK(d->get(0).duration_ms == 2.0);
}

TEST_CASE("csv: unsorted or negative times, bad numbers and labels are errors naming the line") {
  CHECK(csv_error("time_ms,channel\n1,0\n0.5,1\n") ==
        "e.csv: line 3: column 1: sample 0: time 0.5 ms is before the previous event (1 ms): times must be sorted (or set "
        "\"sort\": true)");
  CHECK(csv_error("time_ms,channel\n-1,0\n") == "e.csv: line 2: column 1: sample 0: negative time -1 ms");
  CHECK(csv_error("time_ms,channel\nx,0\n") == "e.csv: line 2: column 1: time_ms \"x\" is not a finite number");
  CHECK(csv_error("time_ms,channel\n1,-3\n") == "e.csv: line 2: column 2: channel \"-3\" is not a non-negative integer");
  CHECK(csv_error("time_ms,channel\n1\n") == "e.csv: line 2: 1 fields, the header has 2");
  CHECK(csv_error("time,channel\n") == "e.csv: line 1: column 1: unknown column \"time\" (sample, time_ms, channel, grade, label)");
  CHECK(csv_error("sample,time_ms,channel\n0,1,0\n2,1,0\n").find("line 3: column 1: sample 2 follows sample 0") !=
        std::string::npos);
  CHECK(csv_error("sample,time_ms,channel,label\n0,1,0,3\n0,2,0,4\n") == "e.csv: line 3: column 4: sample 0 has labels 3 and 4");
  CHECK(csv_error("time_ms,channel,label\n1,0,12\n", nullptr, 10) == "e.csv: line 2: column 3: label 12 is out of range [0, 10)");
  const std::string labels = "1\n2\n";
  CHECK(csv_error("time_ms,channel\n1,0\n", &labels) == "l.txt: 2 labels for 1 samples in e.csv");
  CHECK(csv_error("") == "e.csv: line 1: empty file (expected a header line)");
  CHECK(csv_error("# only a comment\r\n\r\n") == "e.csv: line 1: empty file (expected a header line)");
  CHECK(csv_error("time_ms,channel,grade\n1,0,1e39\n") ==
        "e.csv: line 2: column 3: grade 1e+39 is out of range [-3.4e+38, 3.4e+38]");
  CHECK(csv_error("sample,time_ms,channel\n18446744073709551615,1,0\n") ==
        "e.csv: line 2: column 1: sample 18446744073709551615 is out of range [0, 9223372036854775807]");
  CHECK(csv_error("time_ms,channel\n1,99999999999999999999\n") ==
        "e.csv: line 2: column 2: channel 99999999999999999999 is out of range [0, 18446744073709551615]");
  const std::string bad_label = "label\n# c\nx\n";
  CHECK(csv_error("time_ms,channel\n1,0\n", &bad_label) == "l.txt: line 3: column 1: label \"x\" is not a non-negative integer");
}

TEST_CASE("csv: a label far above any class count is an error naming the line, in the CSV and in a labels file") {
  // The probe: a 50-byte file with label 10^8 would otherwise make a 10^8-row class table.
  CHECK(csv_error("time_ms,channel,label\n1,0,100000000\n") ==
        "e.csv: line 2: column 3: label 100000000 is too large: labels are class indices below 65536");
  const std::string labels = "label\n3\n\n100000000\n";
  CHECK(csv_error("sample,time_ms,channel\n0,1,0\n1,1,0\n", &labels) ==
        "l.txt: line 4: column 1: label 100000000 is too large: labels are class indices below 65536");
  CHECK(csv_error("time_ms,channel,label\n1,0,99999999999999999999\n") ==
        "e.csv: line 2: column 3: label 99999999999999999999 is out of range [0, 18446744073709551615]");
  // The largest class index is accepted and sets classes().
  data::csv_events_options o;
  CHECK(data::parse_csv_events("time_ms,channel,label\n1,0,65535\n", "e.csv", nullptr, "", o).classes == 65536);
}

TEST_CASE("csv: lone CR line ends read like LF; a folder is an error naming it") {
  const std::string lf = "sample,time_ms,channel,label\n0,0.5,3,1\n1,1.5,2,0\n";
  std::string cr = lf;
  for (auto& c : cr)
    if (c == '\n') c = '\r';
  data::csv_events_options o;
  const auto a = data::parse_csv_events(lf, "lf.csv", nullptr, "", o);
  const auto b = data::parse_csv_events(cr, "cr.csv", nullptr, "", o);
  REQUIRE(b.store->size() == 2);
  CHECK(b.classes == a.classes);
  CHECK(b.channels == a.channels);
  CHECK(b.store->total_events() == a.store->total_events());
  CHECK(b.store->label(0) == 1);
  CHECK(csv_error("time_ms,channel\r1,0\r0.5,0\r") ==
        "e.csv: line 3: column 1: sample 0: time 0.5 ms is before the previous event (1 ms): times must be sorted (or "
        "set \"sort\": true)");
  temp_dir dir;
  std::filesystem::create_directories(dir / "events.csv");
  data::dataset_context ctx;
  ctx.base_dir = dir.path();
  try {
    data::open_dataset({{"format", "csv"}, {"train", "events.csv"}}, ctx);
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()) == (dir / "events.csv").string() + ": is a folder, not a file");
  }
}

TEST_CASE("csv: train and test share one class count, the largest of the two") {
  temp_dir dir;
  test::write_text(dir / "train.csv", "sample,time_ms,channel,label\n0,1,0,0\n1,1,1,2\n");
  test::write_text(dir / "test.csv", "sample,time_ms,channel,label\n0,1,0,7\n");
  data::dataset_context ctx;
  ctx.base_dir = dir.path();
  const auto s = data::open_dataset_splits({{"format", "csv"}, {"train", "train.csv"}, {"test", "test.csv"}}, ctx);
  CHECK(s.train->classes() == 8);
  CHECK(s.test->classes() == 8);
  CHECK(s.test->label(0) == 7);
}
