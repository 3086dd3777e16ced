// projection: CSR construction from unsorted triplets, the transposed index, dense detection,
// per-synapse columns.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "engine/projection.hpp"
#include "engine/rng.hpp"

using namespace evsnn;

namespace {

// All (pre, post, weight) of a projection in synapse-id order.
std::vector<synapse_triplet> triplets_of(projection& p) {
  std::vector<synapse_triplet> out;
  for (std::uint32_t i = 0; i < p.n_pre(); ++i) {
    const auto r = p.row(i);
    for (std::size_t k = 0; k < r.post.size(); ++k) out.push_back({i, r.post[k], r.weights[k]});
  }
  return out;
}

bool same(const synapse_triplet& a, const synapse_triplet& b) {
  return a.pre == b.pre && a.post == b.post && a.weight == b.weight;
}

}  // namespace

TEST_CASE("projection: CSR from unsorted triplets, rows sorted by post, multapses kept in input order") {
  // Weights are unique so the order of ties is observable.
  std::vector<synapse_triplet> in{{2, 1, 1.f}, {0, 3, 2.f}, {1, 0, 3.f}, {0, 1, 4.f}, {2, 1, 5.f},
                                  {0, 3, 6.f}, {2, 0, 7.f}, {0, 1, 8.f}, {2, 1, 9.f}};
  projection p("p", 4, 5, 4, 4, 1.5, true, in);
  CHECK(p.name() == "p");
  CHECK(p.pre_population() == 4);
  CHECK(p.post_population() == 5);
  CHECK(p.n_pre() == 4);
  CHECK(p.n_post() == 4);
  CHECK(p.delay_ms() == 1.5);
  CHECK(p.graded());
  REQUIRE(p.synapse_count() == in.size());

  const std::vector<synapse_triplet> expected{{0, 1, 4.f}, {0, 1, 8.f}, {0, 3, 2.f}, {0, 3, 6.f}, {1, 0, 3.f},
                                              {2, 0, 7.f}, {2, 1, 1.f}, {2, 1, 5.f}, {2, 1, 9.f}};
  const auto got = triplets_of(p);
  REQUIRE(got.size() == expected.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    INFO("synapse " << k);
    CHECK(same(got[k], expected[k]));
  }
  // Row offsets: first_synapse is the running count, fan_out the row length; row 3 is empty.
  CHECK(p.row(0).first_synapse == 0);
  CHECK(p.row(1).first_synapse == 4);
  CHECK(p.row(2).first_synapse == 5);
  CHECK(p.row(3).first_synapse == 9);
  CHECK(p.fan_out(0) == 4);
  CHECK(p.fan_out(1) == 1);
  CHECK(p.fan_out(2) == 4);
  CHECK(p.fan_out(3) == 0);
  CHECK(p.row(3).post.empty());
  // The flat weight array is in synapse-id order.
  const auto w = p.weights();
  for (std::size_t k = 0; k < expected.size(); ++k) CHECK(w[k] == expected[k].weight);
  // Rows are views into the same storage: writing through a row changes weights().
  p.row(2).weights[1] = -1.f;
  CHECK(p.weights()[6] == -1.f);
}

TEST_CASE("projection: pre_of / post_of agree with the rows") {
  rng r(11);
  std::vector<synapse_triplet> in;
  for (int k = 0; k < 500; ++k)
    in.push_back({static_cast<std::uint32_t>(r.below(17)), static_cast<std::uint32_t>(r.below(13)), static_cast<float>(k)});
  projection p("p", 0, 1, 17, 13, 0.0, false, in);
  REQUIRE(p.synapse_count() == 500);
  std::uint32_t id = 0;
  for (std::uint32_t i = 0; i < 17; ++i) {
    const auto row = p.row(i);
    CHECK(row.first_synapse == id);
    for (std::size_t k = 0; k < row.post.size(); ++k, ++id) {
      CHECK(p.pre_of(id) == i);
      CHECK(p.post_of(id) == row.post[k]);
      if (k > 0) CHECK(row.post[k - 1] <= row.post[k]);
    }
  }
  CHECK(id == 500);
  // Every input triplet appears exactly once (weights are unique ids).
  std::vector<bool> seen(500, false);
  for (std::uint32_t s = 0; s < 500; ++s) {
    const auto k = static_cast<std::size_t>(p.weights()[s]);
    REQUIRE(k < 500);
    CHECK_FALSE(seen[k]);
    seen[k] = true;
    CHECK(in[k].pre == p.pre_of(s));
    CHECK(in[k].post == p.post_of(s));
  }
}

TEST_CASE("projection: incoming(post) lists exactly the synapses ending on post, ascending") {
  rng r(5);
  std::vector<synapse_triplet> in;
  for (int k = 0; k < 300; ++k)
    in.push_back({static_cast<std::uint32_t>(r.below(9)), static_cast<std::uint32_t>(r.below(7)), 0.5f});
  in.push_back({8, 6, 1.f});  // make sure the last post has a synapse
  const std::uint32_t n_post = 8;  // post 7 has none
  projection p("p", 0, 1, 9, n_post, 0.0, false, in);
  std::size_t total = 0;
  for (std::uint32_t j = 0; j < n_post; ++j) {
    std::vector<std::uint32_t> expected;
    for (std::uint32_t s = 0; s < p.synapse_count(); ++s)
      if (p.post_of(s) == j) expected.push_back(s);
    const auto inc = p.incoming(j);
    const std::vector<std::uint32_t> got(inc.begin(), inc.end());
    INFO("post " << j);
    CHECK(got == expected);
    CHECK(std::is_sorted(got.begin(), got.end()));
    total += got.size();
  }
  CHECK(p.incoming(7).empty());
  CHECK(total == p.synapse_count());
}

TEST_CASE("projection: dense() only for full rows holding every target once, in order") {
  auto full = [](std::uint32_t n_pre, std::uint32_t n_post) {
    std::vector<synapse_triplet> s;
    for (std::uint32_t i = 0; i < n_pre; ++i)
      for (std::uint32_t j = 0; j < n_post; ++j) s.push_back({i, j, 1.f});
    return s;
  };
  SUBCASE("full matrix, given in order") { CHECK(projection("p", 0, 1, 3, 4, 0, false, full(3, 4)).dense()); }
  SUBCASE("full matrix, given shuffled") {
    auto s = full(3, 4);
    std::reverse(s.begin(), s.end());
    projection p("p", 0, 1, 3, 4, 0, false, s);
    CHECK(p.dense());
    for (std::uint32_t i = 0; i < 3; ++i) CHECK(p.fan_out(i) == 4);
  }
  SUBCASE("one synapse missing") {
    auto s = full(3, 4);
    s.erase(s.begin() + 5);
    CHECK_FALSE(projection("p", 0, 1, 3, 4, 0, false, s).dense());
  }
  SUBCASE("right count, but a multapse replaces a target") {
    auto s = full(3, 4);
    s[5].post = 2;  // row 1 now holds 0,2,2,3
    CHECK_FALSE(projection("p", 0, 1, 3, 4, 0, false, s).dense());
  }
  SUBCASE("right count, but one row short and another long") {
    auto s = full(3, 4);
    s[0].pre = 1;  // row 0: 1,2,3 ; row 1: 0,0,1,2,3
    CHECK_FALSE(projection("p", 0, 1, 3, 4, 0, false, s).dense());
  }
  SUBCASE("empty projection of non-empty populations") { CHECK_FALSE(projection("p", 0, 1, 3, 4, 0, false, {}).dense()); }
  SUBCASE("single synapse 1x1") { CHECK(projection("p", 0, 1, 1, 1, 0, false, {{0, 0, 2.f}}).dense()); }
}

TEST_CASE("projection: out-of-range indices are rejected") {
  CHECK_THROWS(projection("p", 0, 1, 2, 2, 0, false, {{2, 0, 1.f}}));
  CHECK_THROWS(projection("p", 0, 1, 2, 2, 0, false, {{0, 2, 1.f}}));
}

TEST_CASE("projection: add_column") {
  projection p("p", 0, 1, 2, 3, 0, false, {{0, 0, 1.f}, {1, 2, 1.f}, {0, 1, 1.f}, {1, 2, 1.f}, {1, 0, 1.f}});
  const std::size_t a = p.add_column("trace", 0.25f);
  const std::size_t b = p.add_column("eligibility");
  CHECK(a != b);
  CHECK(p.add_column("trace", 9.f) == a);  // same name: same column, initial value ignored
  CHECK(p.add_column("eligibility", 3.f) == b);
  auto ca = p.column(a);
  auto cb = p.column(b);
  REQUIRE(ca.size() == p.synapse_count());
  REQUIRE(cb.size() == 5);
  for (float v : ca) CHECK(v == 0.25f);
  for (float v : cb) CHECK(v == 0.0f);
  // Columns are independent, persistent storage.
  ca[3] = 7.f;
  CHECK(p.column(a)[3] == 7.f);
  CHECK(p.column(b)[3] == 0.f);
  p.add_column("third", 1.f);
  CHECK(p.column(a)[3] == 7.f);  // adding a column keeps the others' values
}

TEST_CASE("projection: share_weights makes rows and weights() read and write the shared array") {
  std::vector<synapse_triplet> syn = {{0, 1, 0.5}, {1, 0, -0.25}, {0, 0, 2.0}};
  projection a("a", 0, 1, 2, 2, 1.0, false, syn), b("b", 0, 1, 2, 2, 1.0, false, syn);
  std::vector<double> shared(a.weights().begin(), a.weights().end());
  a.share_weights(shared);
  b.share_weights(shared);
  shared[1] = 7.0f;  // synapse 1 = (0 -> 1)
  CHECK(a.row(0).weights[1] == 7.0f);
  CHECK(b.weights()[1] == 7.0f);
  b.set_weight(2, -3.0);
  CHECK(a.weight(2) == -3.0);
  CHECK(shared[2] == -3.0f);
  // The view survives a move (the own array's buffer moves with it).
  projection c("c", 0, 1, 2, 2, 1.0, false, syn);
  const double w0 = c.weights()[0];
  projection d(std::move(c));
  CHECK(d.weights()[0] == w0);
  CHECK(d.row(0).weights.data() == d.weights().data());
  // Refused: a wrong size.
  std::vector<double> short_array(2);
  CHECK_THROWS_AS(d.share_weights(short_array), std::logic_error);
}

TEST_CASE("projection: weights are the user's numbers; float32 precision rounds every stored weight") {
  const double w = 0.1, big = 1.0 + 0x1p-40;  // neither is a float
  std::vector<synapse_triplet> syn = {{0, 0, w}, {0, 1, big}, {1, 0, -1e-30}};
  projection exact("exact", 0, 1, 2, 2, 0.0, false, syn);
  CHECK_FALSE(exact.float32());
  CHECK(exact.weight(0) == w);
  CHECK(exact.weight(1) == big);
  CHECK(exact.weight(2) == -1e-30);
  exact.set_weight(1, 0.3);
  CHECK(exact.weights()[1] == 0.3);

  projection single("single", 0, 1, 2, 2, 0.0, false, syn, true);
  CHECK(single.float32());
  CHECK(single.weight(0) == static_cast<double>(0.1f));
  CHECK(single.weight(1) == 1.0);  // 1 + 2^-40 rounds to 1 in float32
  CHECK(single.weight(2) == static_cast<double>(-1e-30f));
  single.set_weight(1, 0.3);
  CHECK(single.weight(1) == static_cast<double>(0.3f));
  single.weights()[0] = 0.7;  // a rule writing the array directly, then rounding it
  single.round_weights();
  CHECK(single.weight(0) == static_cast<double>(0.7f));
  exact.weights()[0] = 0.7;
  exact.round_weights();
  CHECK(exact.weight(0) == 0.7);
}
