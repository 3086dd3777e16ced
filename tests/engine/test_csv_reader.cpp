// csv_reader: line endings, blank and comment lines, field trimming, number parsing with line and column
// in every message, and counts claimed by the input capped by what the text can hold.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "engine/csv_reader.hpp"
#include "engine/error.hpp"

using namespace evsnn;

namespace {

// Every data row as its line number and fields joined by '|'.
std::vector<std::string> rows_of(const std::string& text) {
  csv_reader reader(text, "t.csv");
  csv_reader::row r;
  std::vector<std::string> out;
  while (reader.next(r)) {
    std::string s = std::to_string(r.line()) + ":";
    for (std::size_t k = 0; k < r.size(); ++k) {
      if (k > 0) s += '|';
      s += r.field(k);
    }
    out.push_back(s);
  }
  return out;
}

// The message of the error that parsing the first data row's field `column` raises.
template <class F>
std::string error_of(const std::string& text, F&& parse) {
  csv_reader reader(text, "t.csv");
  csv_reader::row r;
  try {
    while (reader.next(r)) parse(r);
  } catch (const input_error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("csv_reader: CRLF, LF and a missing final newline read the same") {
  const std::vector<std::string> want{"1:1|2|3", "2:4|5|6"};
  CHECK(rows_of("1,2,3\n4,5,6\n") == want);
  CHECK(rows_of("1,2,3\r\n4,5,6\r\n") == want);
  CHECK(rows_of("1,2,3\n4,5,6") == want);
  CHECK(rows_of("1,2,3\r\n4,5,6") == want);
}

TEST_CASE("csv_reader: lone CR line ends (old Mac) read as lines too, with line numbers counting every kind") {
  const std::vector<std::string> want{"1:1|2|3", "2:4|5|6"};
  CHECK(rows_of("1,2,3\r4,5,6\r") == want);
  CHECK(rows_of("1,2,3\r4,5,6") == want);
  // Mixed ends: \r\n is one line end, \n\r two (the second ends an empty line).
  CHECK(rows_of("1,2\r\n3\n\r4\r\r5\n") == std::vector<std::string>{"1:1|2", "2:3", "4:4", "6:5"});
  // An error on the third CR-separated line says line 3.
  csv_reader reader("# c\r1\rx\r", "t.csv");
  csv_reader::row r;
  REQUIRE(reader.next(r));
  REQUIRE(reader.next(r));
  CHECK_THROWS_WITH_AS((void)r.as_double(0, "v"), "t.csv: line 3: column 1: v \"x\" is not a finite number",
                       input_error);
}

TEST_CASE("csv_reader: blank lines and comments are skipped, line numbers still count them") {
  const std::string text = "# header comment\n\n  \t\r\n  # indented comment\n 1 , 2\t,3 \n\n7,8,9\n";
  CHECK(rows_of(text) == std::vector<std::string>{"5:1|2|3", "7:7|8|9"});
  csv_reader reader(text, "t.csv");
  csv_reader::row r;
  REQUIRE(reader.next(r));
  CHECK(r.index() == 0);
  CHECK(r.text() == "1 , 2\t,3");
  REQUIRE(reader.next(r));
  CHECK(r.index() == 1);
  CHECK_FALSE(reader.next(r));
  CHECK(reader.rows_read() == 2);
  CHECK(reader.lines_read() == 7);
}

TEST_CASE("csv_reader: empty fields are kept; an empty file has no rows") {
  CHECK(rows_of("1,,3,\n") == std::vector<std::string>{"1:1||3|"});
  CHECK(rows_of("").empty());
  CHECK(rows_of("\n\r\n# only a comment\n").empty());
}

TEST_CASE("csv_reader: numbers parse exactly as from_chars does") {
  csv_reader reader("0.5, -1.25e-3 ,18446744073709551615,1e308\n", "t.csv");
  csv_reader::row r;
  REQUIRE(reader.next(r));
  CHECK(r.as_double(0, "x") == 0.5);
  CHECK(r.as_double(1, "x") == -1.25e-3);
  CHECK(r.as_uint(2, "n") == std::numeric_limits<std::uint64_t>::max());
  CHECK(r.as_double(3, "x") == 1e308);
}

TEST_CASE("csv_reader: bad numbers name file, line and column") {
  auto dbl = [](std::size_t c) { return [c](const csv_reader::row& r) { (void)r.as_double(c, "time_ms"); }; };
  auto unsigned_at = [](std::size_t c) { return [c](const csv_reader::row& r) { (void)r.as_uint(c, "channel"); }; };
  CHECK(error_of("# c\n1,x\n", dbl(1)) == "t.csv: line 2: column 2: time_ms \"x\" is not a finite number");
  CHECK(error_of("nan\n", dbl(0)) == "t.csv: line 1: column 1: time_ms \"nan\" is not a finite number");
  CHECK(error_of("inf\n", dbl(0)) == "t.csv: line 1: column 1: time_ms \"inf\" is not a finite number");
  CHECK(error_of("1e400\n", dbl(0)) == "t.csv: line 1: column 1: time_ms \"1e400\" is not a finite number");
  CHECK(error_of("1.5x\n", dbl(0)) == "t.csv: line 1: column 1: time_ms \"1.5x\" is not a finite number");
  CHECK(error_of("1 2\n", dbl(0)) == "t.csv: line 1: column 1: time_ms \"1 2\" is not a finite number");
  CHECK(error_of(",\n", dbl(0)) == "t.csv: line 1: column 1: time_ms \"\" is not a finite number");
  CHECK(error_of("+1\n", dbl(0)) == "t.csv: line 1: column 1: time_ms \"+1\" is not a finite number");
  CHECK(error_of("0,-3\r\n", unsigned_at(1)) == "t.csv: line 1: column 2: channel \"-3\" is not a non-negative integer");
  CHECK(error_of("0,1.5\n", unsigned_at(1)) == "t.csv: line 1: column 2: channel \"1.5\" is not a non-negative integer");
  CHECK(error_of("0,\n", unsigned_at(1)) == "t.csv: line 1: column 2: channel \"\" is not a non-negative integer");
  // No name for the field: the message starts with the text.
  CHECK(error_of("q\n", [](const csv_reader::row& r) { (void)r.as_double(0, ""); }) ==
        "t.csv: line 1: column 1: \"q\" is not a finite number");
}

TEST_CASE("csv_reader: overflow and range checks") {
  CHECK(error_of("18446744073709551616\n", [](const csv_reader::row& r) { (void)r.as_uint(0, "n"); }) ==
        "t.csv: line 1: column 1: n 18446744073709551616 is out of range [0, 18446744073709551615]");
  CHECK(error_of("7\n", [](const csv_reader::row& r) { (void)r.as_uint(0, "label", 5); }) ==
        "t.csv: line 1: column 1: label 7 is out of range [0, 5]");
  CHECK(error_of("1e39\n", [](const csv_reader::row& r) { (void)r.as_double(0, "grade", -3e38, 3e38); }) ==
        "t.csv: line 1: column 1: grade 1e+39 is out of range [-3e+38, 3e+38]");
  csv_reader reader("5,3e38\n", "t.csv");
  csv_reader::row r;
  REQUIRE(reader.next(r));
  CHECK(r.as_uint(0, "n", 5) == 5);
  CHECK(r.as_double(1, "w", -3e38, 3e38) == 3e38);
}

TEST_CASE("csv_reader: row and file errors carry the file and line") {
  CHECK(error_of("\n1,2\n", [](const csv_reader::row& r) { r.fail("2 columns, expected 3"); }) ==
        "t.csv: line 2: 2 columns, expected 3");
  CHECK(error_of("1,2\n", [](const csv_reader::row& r) { r.fail(1, "too big"); }) == "t.csv: line 1: column 2: too big");
  const csv_reader reader("", "t.csv");
  CHECK_THROWS_WITH_AS(reader.fail("3 rows, expected 4"), "t.csv: 3 rows, expected 4", input_error);
}

TEST_CASE("csv_reader: a huge claimed count is capped by the text, so reserving it allocates little") {
  const std::string text = "1,2\n3,4\n";
  csv_reader reader(text, "t.csv");
  CHECK(reader.capped(3) == 3);
  CHECK(reader.capped(std::numeric_limits<std::uint64_t>::max()) == text.size() / 2 + 1);
  CHECK(reader.capped(std::uint64_t{1} << 60) <= text.size());
  std::vector<double> values;
  values.reserve(reader.capped(std::uint64_t{1} << 60));  // would throw length_error or bad_alloc uncapped
  csv_reader::row r;
  while (reader.next(r))
    for (std::size_t k = 0; k < r.size(); ++k) values.push_back(r.as_double(k, "v"));
  CHECK(values.size() == 4);
  CHECK(values.size() <= reader.capped(std::uint64_t{1} << 60));  // the cap never undercounts
  const csv_reader empty("", "e.csv");
  CHECK(empty.capped(std::uint64_t{1} << 60) == 1);
}

TEST_CASE("csv_reader: read_file returns the bytes, or nothing for a missing file") {
  CHECK_FALSE(csv_reader::read_file("/nonexistent/evsnn/x.csv").has_value());
  const auto file = std::filesystem::temp_directory_path() / "evsnn_test_read_file.csv";
  std::ofstream(file, std::ios::binary) << "1,2\r3\n";
  CHECK(csv_reader::read_file(file) == std::optional<std::string>("1,2\r3\n"));
  std::filesystem::remove(file);
}

TEST_CASE("csv_reader: read_file refuses a folder and a device in one line instead of reading nothing or forever") {
  const auto dir = std::filesystem::temp_directory_path();
  CHECK_THROWS_WITH_AS(csv_reader::read_file(dir), (dir.string() + ": is a folder, not a file").c_str(), input_error);
  if (std::filesystem::exists("/dev/zero"))
    CHECK_THROWS_WITH_AS(csv_reader::read_file("/dev/zero"), "/dev/zero: is not a regular file", input_error);
}
