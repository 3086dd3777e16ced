#pragma once
// input_error: the user's input (a file, a JSON document, a data set, a command-line value) is invalid.
// Invariant: what() is a single line that names the file and the JSON path or byte offset, e.g.
//   "net.json: /projections/1/weights: 20 rows, expected 784".
// The command line prints it as "evsnn: error: <what()>" and exits with status 2; it never crashes.
#include <stdexcept>
#include <string>

namespace evsnn {

class input_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace evsnn
