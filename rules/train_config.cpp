#include "rules/train_config.hpp"

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/json_node.hpp"

namespace evsnn::rules {

train_config load_train_config(const std::string& path) {
  const nlohmann::json doc = parse_json_file(path);
  const std::filesystem::path p(path);
  return parse_train_config(doc, p.filename().string(), p.parent_path().empty() ? "." : p.parent_path());
}

train_config parse_train_config(const nlohmann::json& doc, const std::string& file,
                                const std::filesystem::path& base_dir) {
  train_config c;
  c.file = file;
  c.base_dir = base_dir;
  c.doc = doc;
  const json_node root(doc, file);
  root.expect_object();
  const std::string format = root.at("format").as_string();
  if (format != "evsnn-train/1") root.at("format").fail("expected \"evsnn-train/1\", got \"" + format + "\"");
  // Network: a file (relative to the config) or an inline document.
  const json_node net = root.at("network");
  if (net.is_string()) {
    std::filesystem::path np = net.as_string();
    if (np.is_relative()) np = base_dir / np;
    if (!std::filesystem::exists(np)) net.fail(fmt::format("no such file: {}", np.string()));
    c.network = parse_json_file(np.string());
    c.network_file = np.filename().string();
    c.network_dir = np.parent_path().empty() ? "." : np.parent_path();
  } else if (net.is_object()) {
    c.network = net.raw();
    c.network_file = file + ": /network";
    c.network_dir = base_dir;
  } else {
    net.fail("expected a file name or a network object");
  }
  // Data set spec (+ encoder).
  const json_node ds = root.at("dataset");
  if (ds.is_string()) {
    c.dataset = {{"format", ds.as_string()}};
  } else if (ds.is_object()) {
    c.dataset = ds.raw();
  } else {
    ds.fail("expected a data set name or a spec object");
  }
  if (auto enc = root.get("encoder")) {
    enc->expect_object();
    if (c.dataset.contains("encoder")) enc->fail("the data set spec already has an encoder");
    c.dataset["encoder"] = enc->raw();
  }
  c.rule = root.at("rule").raw();
  if (!c.rule.is_string() && !c.rule.is_object()) root.at("rule").fail("expected a rule name or object");
  c.loss = root.has("loss") ? root.at("loss").raw() : nlohmann::json("count_mse");
  c.optimizer = root.has("optimizer") ? root.at("optimizer").raw() : nlohmann::json{{"type", "adam"}};
  if (auto e = root.get("epochs")) {
    c.epochs = e->as_uint();
    if (c.epochs == 0) e->fail("must be >= 1 (evsnn eval evaluates a network without training it)");
  }
  if (auto b = root.get("train_bias")) c.train_bias = b->as_bool();
  if (auto b = root.get("batch_size")) {
    c.batch_size = b->as_uint();
    if (c.batch_size == 0) b->fail("must be >= 1");
  }
  if (auto s = root.get("seed")) c.seed = s->as_uint();
  if (auto t = root.get("threads")) {
    const std::uint64_t n = t->as_uint();
    if (n > max_threads) t->fail(fmt::format("must be in [0, {}] (0: one per core), got {}", max_threads, n));
    c.threads = static_cast<unsigned>(n);
  }
  if (auto ev = root.get("evaluation")) {
    ev->expect_object();
    if (auto x = ev->get("every_epochs")) c.eval_every = x->as_uint();
    if (auto x = ev->get("test")) c.eval_test = x->as_bool();
    if (auto x = ev->get("validation")) c.eval_validation = x->as_bool();
    if (auto x = ev->get("before_training")) c.eval_before = x->as_bool();
    if (auto x = ev->get("limit")) c.eval_limit = x->as_uint();
    ev->finish();
  }
  if (auto ck = root.get("checkpoint")) {
    ck->expect_object();
    if (auto x = ck->get("every_epochs")) {
      c.checkpoint_every = x->as_uint();
      if (c.checkpoint_every == 0) x->fail("must be >= 1");
    }
    ck->finish();
  }
  if (auto al = root.get("alignment")) {
    al->expect_object();
    if (auto x = al->get("every_batches")) c.alignment_every = x->as_uint();
    if (auto x = al->get("reference")) {
      if (!x->is_string() && !x->is_object()) x->fail("expected a rule name or object");
      c.alignment_reference = x->raw();
    }
    al->finish();
  }
  if (auto en = root.get("energy")) {
    en->expect_object();
    if (auto x = en->get("profile")) c.energy_profile = x->as_string();
    if (auto x = en->get("dt_ms")) c.energy_dt_ms = x->as_positive();
    if (auto x = en->get("stepped_profile")) c.energy_stepped_profile = x->as_string();
    en->finish();
  }
  if (auto a = root.get("active_outputs")) {
    a->expect_object();
    c.active_samples = 200;
    if (auto x = a->get("samples")) {
      c.active_samples = x->as_uint();
      if (c.active_samples == 0) x->fail("must be >= 1");
    }
    if (auto x = a->get("min_fraction")) {
      c.active_min_fraction = x->as_double();
      if (!(c.active_min_fraction > 0.0 && c.active_min_fraction <= 1.0))
        x->fail(fmt::format("must be in (0, 1], got {}", c.active_min_fraction));
    }
    if (auto x = a->get("redraws")) {
      const std::uint64_t n = x->as_uint();
      if (n > 1000) x->fail(fmt::format("must be in [0, 1000], got {}", n));
      c.active_redraws = static_cast<unsigned>(n);
    }
    a->finish();
  }
  if (auto o = root.get("output_dir")) {
    c.output_dir = o->as_string();
  } else {
    c.output_dir = std::filesystem::path("results") / std::filesystem::path(file).stem();
  }
  if (auto d = root.get("description")) (void)d->as_string();
  root.finish();
  return c;
}

}  // namespace evsnn::rules
