// nir_file: NIR graphs (HDF5) read and written. Files written by the NIR project's own nir.write
// (tests/tools/nir/*.nir, made by make_fixtures.py) are read with their float32 parameters as the decimals
// the user wrote; evsnn's own files round-trip exactly (nodes in order, arrays, strings, nested graphs,
// metadata); hostile files are one clear error naming the file and the HDF5 path.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "engine/error.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/nir_nodes.hpp"
#include "tests/support/hdf5_file.hpp"
#include "tools/nir_file.hpp"

namespace fs = std::filesystem;
using namespace evsnn;
using namespace evsnn::cli;
using evsnn::test::error_of;
namespace t = evsnn::test;

namespace {

const std::string fixtures = EVSNN_SOURCE_DIR "/tests/tools/nir/";

}  // namespace

TEST_CASE("nir_file: a file written by nir.write (nested graph, float32 parameters)") {
  const nir_graph g = read_nir(fixtures + "nested.nir");
  CHECK(g.version == "1.0.8");
  REQUIRE(g.nodes.size() == 4);
  // h5py does not track creation order: nodes come back by name.
  CHECK(g.nodes[0].name == "fc");
  CHECK(g.nodes[0].type == "Affine");
  CHECK(g.nodes[0].array("weight")->shape == std::vector<std::uint64_t>{2, 2});
  CHECK(g.nodes[0].array("weight")->values == std::vector<double>{0.3, 0.0, 0.0, 0.3});  // 0.3f read as 0.3
  CHECK(g.nodes[1].name == "input");
  CHECK(g.nodes[1].array("shape")->values == std::vector<double>{2});
  CHECK(g.nodes[3].name == "sub");
  REQUIRE(g.nodes[3].graph);
  const nir_graph& sub = *g.nodes[3].graph;
  CHECK(sub.nodes.size() == 4);
  CHECK(sub.edges.size() == 4);
  CHECK(sub.edges[1] == std::array<std::string, 2>{"lif", "rec"});
  const nir_node& lif = sub.nodes[1];
  CHECK(lif.type == "CubaLIF");
  CHECK(lif.array("tau_syn")->values == std::vector<double>{0.004, 0.004});
  CHECK(lif.array("w_in")->values == std::vector<double>{1.0, 1.0});
  REQUIRE(g.edges.size() == 3);
  CHECK(g.edges[0] == std::array<std::string, 2>{"input", "fc"});
  CHECK(g.edges[2] == std::array<std::string, 2>{"sub", "output"});
}

TEST_CASE("nir_file: evsnn's files round-trip (order, values, strings, nesting, metadata)") {
  evsnn::test::cli_temp_dir dir;
  nir_graph g;
  g.evsnn = R"({"time_unit":"s"})";
  nir_node in = t::nir_node("zeta_input", "Input");
  in.arrays["shape"] = t::nir_array({3});
  in.arrays["shape"].dtype = "i8";
  nir_node lin = t::nir_node("alpha", "Linear");
  lin.arrays["weight"] = t::nir_array({0.1, 1.0 / 3.0, -2.5e-300, 7.0, 0.0, 1e300}, {2, 3});
  lin.evsnn = R"({"graded":true})";
  lin.metadata_arrays["evsnn_pre"] = t::nir_array({0, 1, 2});
  lin.texts["note"] = "naïve ✓";
  nir_node big = t::nir_node("big", "Linear");  // chunked and compressed (>= 4096 values)
  std::vector<double> many(5000);
  for (std::size_t k = 0; k < many.size(); ++k) many[k] = std::sin(double(k)) * 1e-3;
  big.arrays["weight"] = t::nir_array(many, {50, 100});
  nir_node sub = t::nir_node("sub", "NIRGraph");
  sub.graph = std::make_unique<nir_graph>();
  sub.graph->nodes.push_back(t::nir_node("i", "Input"));
  npy_array scalar = t::nir_array({4.0});
  scalar.shape.clear();  // a scalar dataset
  sub.graph->nodes.back().arrays["scale"] = scalar;
  sub.graph->evsnn = "{}";
  g.nodes.push_back(std::move(in));
  g.nodes.push_back(std::move(lin));
  g.nodes.push_back(std::move(big));
  g.nodes.push_back(std::move(sub));
  g.edges = {{"zeta_input", "alpha"}, {"alpha", "sub"}};
  write_nir(dir.path / "g.nir", g);
  CHECK(fs::directory_iterator(dir.path) != fs::directory_iterator());
  for (const auto& e : fs::directory_iterator(dir.path)) CHECK(e.path().filename() == "g.nir");  // no temporary left

  const nir_graph back = read_nir((dir.path / "g.nir").string());
  CHECK(back.version == "1.0.6");
  CHECK(back.evsnn == g.evsnn);
  REQUIRE(back.nodes.size() == 4);
  CHECK(back.nodes[0].name == "zeta_input");  // creation order, not by name
  CHECK(back.nodes[0].array("shape")->dtype == "i8");
  CHECK(back.nodes[1].array("weight")->values == g.nodes[1].arrays["weight"].values);
  CHECK(back.nodes[1].array("weight")->shape == std::vector<std::uint64_t>{2, 3});
  CHECK(back.nodes[1].evsnn == R"({"graded":true})");
  CHECK(back.nodes[1].metadata_arrays.at("evsnn_pre").values == std::vector<double>{0, 1, 2});
  CHECK(back.nodes[1].texts.at("note") == "naïve ✓");
  CHECK(back.nodes[2].array("weight")->values == many);
  REQUIRE(back.nodes[3].graph);
  CHECK(back.nodes[3].graph->nodes[0].array("scale")->shape.empty());
  CHECK(back.nodes[3].graph->nodes[0].array("scale")->values == std::vector<double>{4.0});
  CHECK(back.nodes[3].graph->edges.empty());
  CHECK(back.edges == g.edges);

  nir_graph bad;
  bad.nodes.push_back(t::nir_node("a/b", "Input"));
  CHECK(error_of([&] { write_nir(dir.path / "bad.nir", bad); }).find("'a/b' cannot be a NIR node name") !=
        std::string::npos);
  CHECK(!fs::exists(dir.path / "bad.nir"));
}

TEST_CASE("nir_file: hostile files are one line naming the file and the HDF5 path") {
  evsnn::test::cli_temp_dir dir;
  CHECK(error_of([&] { read_nir((dir.path / "none.nir").string()); }).find("no such file") != std::string::npos);
  const auto text = dir.write("text.nir", "not hdf5");
  CHECK(error_of([&] { read_nir(text.string()); }).find("not an HDF5 file") != std::string::npos);
  const fs::path plain = dir.path / "plain.h5";
  evsnn::test::write_hdf5(plain, "/w", {2}, {1, 2}, H5T_IEEE_F64LE);
  CHECK(error_of([&] { read_nir(plain.string()); }).find("plain.h5: /node: no such group: not a NIR graph") !=
        std::string::npos);
  const fs::path no_type = dir.path / "no_type.h5";
  evsnn::test::write_hdf5(no_type, "/node/nodes/a/tau", {1}, {1}, H5T_IEEE_F64LE);
  CHECK(error_of([&] { read_nir(no_type.string()); }).find("/node: a node without a 'type' dataset") !=
        std::string::npos);

  // Graphs nested deeper than max_nir_depth.
  nir_graph deep;
  nir_graph* at = &deep;
  for (int d = 0; d <= max_nir_depth + 1; ++d) {
    at->nodes.push_back(t::nir_node("g", "NIRGraph"));
    at->nodes.back().graph = std::make_unique<nir_graph>();
    at = at->nodes.back().graph.get();
  }
  write_nir(dir.path / "deep.nir", deep);
  CHECK(error_of([&] { read_nir((dir.path / "deep.nir").string()); }).find("nested more than 16 deep") !=
        std::string::npos);

  // Edges that are not an (n, 2) array of names.
  nir_graph g;
  g.nodes.push_back(t::nir_node("a", "Input"));
  write_nir(dir.path / "e.nir", g);
  {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t f = H5Fopen((dir.path / "e.nir").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(f, "/node/edges", H5P_DEFAULT);
    H5Fclose(f);
  }
  evsnn::test::write_hdf5(dir.path / "e.nir", "/node/edges", {3}, {1, 2, 3}, H5T_IEEE_F64LE);
  CHECK(error_of([&] { read_nir((dir.path / "e.nir").string()); })
            .find("e.nir: /node/edges: expected an (n, 2) array of node names") != std::string::npos);
}

TEST_CASE("nir_file: times move between s and ms on their decimal digits") {
  CHECK(nir_shift_decimal(0.02, 3) == 20.0);
  CHECK(nir_shift_decimal(20.0, -3) == 0.02);
  CHECK(nir_shift_decimal(1e-5, 3) == 0.01);
  CHECK(nir_shift_decimal(0.1 + 0.2, 3) == 300.00000000000006);  // the double's own shortest digits
  CHECK(nir_shift_decimal(0.0, 3) == 0.0);
  CHECK(nir_shift_decimal(7.5, 0) == 7.5);
  for (double ms : {0.1, 1.5, 2.5, 3.0, 10.0, 20.0, 123.456, 1e-3, 5e4})
    CHECK(nir_shift_decimal(nir_shift_decimal(ms, -3), 3) == ms);
}

TEST_CASE("nir_file: files on which libhdf5 crashed or looped (found by fuzz_hdf5) are one input_error each") {
  // The library reads them in a child process (engine/isolated_read); in this process the first was a
  // segmentation fault and the second never returned.
  const std::string dir = EVSNN_SOURCE_DIR "/tests/fuzz/hdf5_found/";
  const std::string crash = error_of([&] { read_nir(dir + "nir_segfault.h5"); });
  CHECK(crash.starts_with(dir + "nir_segfault.h5: the HDF5 library "));
  CHECK(crash.ends_with(": the file is damaged or not what it claims to be"));
  const std::string loop = error_of([&] { read_nir(dir + "nir_endless_loop.h5"); });
  CHECK(loop.starts_with(dir + "nir_endless_loop.h5: the HDF5 library ran over its 11 s of CPU time"));
}
