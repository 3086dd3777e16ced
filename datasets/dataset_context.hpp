#pragma once
// dataset_context: where a dataset spec comes from. Relative paths in the spec resolve against
// base_dir (the spec file's folder, or the working directory for a command-line spec) and then
// against data_dir (the data folder: --data-dir, $EVSNN_DATA_DIR, or <repo>/data found from the
// executable). file names the spec in error messages ("train.json", "<command line>").
#include <filesystem>
#include <string>

namespace evsnn::data {

struct dataset_context {
  std::filesystem::path base_dir = ".";
  std::filesystem::path data_dir = "data";
  std::string file = "<spec>";
};

// The default data folder: $EVSNN_DATA_DIR when set; otherwise the first existing of
// <exe dir>/../data, <exe dir>/../../data, <exe dir>/data (build/evsnn -> <repo>/data);
// otherwise <exe dir>/../data. from replaces <exe dir> (the Python module searches from the source tree).
std::filesystem::path find_data_dir(const std::filesystem::path& from = {});

}  // namespace evsnn::data
