#pragma once
// csv_reader: the one tokenizer for the numeric CSV files evsnn reads (weights, spike lists, event
// data sets, label files). It walks text held in memory line by line (a line ends at "\n", "\r\n"
// or a lone "\r", so Unix, Windows and old Mac files read the same and line numbers count every
// kind; spaces/tabs around lines and fields are dropped), skips blank lines and comment lines
// ('#' first), splits the rest at ',' and hands out one row at a time. Fields
// are parsed with std::from_chars (no locale): finite doubles, unsigned integers, with range checks.
// Errors are input_error, one line: "FILE: line N: column M: problem" (or "FILE: line N: problem").
// Whether the first row is a header is the caller's rule (row::index() == 0 and a test on its text).
// Invariants: the reader never copies the text and allocates only the field list of the longest
// row (at most one entry per byte of that line); capped() bounds any count the input claims by what
// the text can hold, so reserve() calls driven by claims stay small.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evsnn {

class csv_reader {
 public:
  // One data row (not blank, not a comment). Views into the reader's text: valid while it lives.
  class row {
   public:
    std::size_t line() const { return line_; }    // 1-based line number in the file
    std::size_t index() const { return index_; }  // 0-based among data rows (0: the header candidate)
    std::string_view text() const { return text_; }  // the whole line, trimmed
    std::size_t size() const { return fields_.size(); }
    // Field `column` (0-based), trimmed; column must be < size() (std::out_of_range otherwise).
    std::string_view field(std::size_t column) const { return fields_.at(column); }

    // `what` names the field in messages ("time_ms", "weight"). A finite double, else
    //   "column M: what "text" is not a finite number".
    double as_double(std::size_t column, std::string_view what) const;
    // Also in [min, max], else "column M: what V is out of range [min, max]".
    double as_double(std::size_t column, std::string_view what, double min, double max) const;
    // A decimal unsigned integer <= max, else "... is not a non-negative integer" / "... is out of range".
    std::uint64_t as_uint(std::size_t column, std::string_view what,
                          std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const;

    [[noreturn]] void fail(const std::string& message) const;                      // "FILE: line N: message"
    [[noreturn]] void fail(std::size_t column, const std::string& message) const;  // "... line N: column M: ..."

   private:
    friend class csv_reader;
    const std::string* name_ = nullptr;
    std::size_t line_ = 0;
    std::size_t index_ = 0;
    std::string_view text_;
    std::vector<std::string_view> fields_;
  };

  // text must outlive the reader and its rows; name is the file named in messages.
  csv_reader(std::string_view text, std::string name);
  // Rows point at name_: the reader stays where it was made.
  csv_reader(const csv_reader&) = delete;
  csv_reader& operator=(const csv_reader&) = delete;

  // The whole file, or nullopt when it is missing or cannot be opened or read (the caller words
  // that error). Anything that is not a regular file is input_error, one line:
  // "PATH: is a folder, not a file" (a folder would otherwise read as nothing), or
  // "PATH: is not a regular file" (a device or pipe could be read without end).
  static std::optional<std::string> read_file(const std::filesystem::path& path);

  // Reads the next data row into r; false at the end of the text.
  bool next(row& r);

  const std::string& name() const { return name_; }
  // Lines consumed so far (the last line number read).
  std::size_t lines_read() const { return line_; }
  // Data rows returned so far.
  std::size_t rows_read() const { return rows_; }
  // A count the input claims (rows, values), capped by how many fields the whole text could hold
  // (each takes at least one character and a separator): safe to pass to reserve().
  std::size_t capped(std::uint64_t claimed) const;
  // "FILE: message" (for errors about the whole file, such as a missing row).
  [[noreturn]] void fail(const std::string& message) const;

 private:
  std::string_view text_;
  std::string name_;
  std::size_t pos_ = 0;
  std::size_t line_ = 0;
  std::size_t rows_ = 0;
};

}  // namespace evsnn
