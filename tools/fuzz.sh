#!/usr/bin/env bash
# Builds the libFuzzer targets in tests/fuzz/ with clang (-fsanitize=fuzzer,address,undefined) against
# the data set, engine, model and rule sources, and runs each for a short time (FUZZ_SECONDS, default
# 10 s: 13 targets x 10 s keeps CI's fuzzing at 2 min). See docs/fuzzing.md (targets, limits, long runs).
#   tools/fuzz.sh                  build and run all targets
#   tools/fuzz.sh idx network      only these
#   FUZZ_SECONDS=0 tools/fuzz.sh   build the targets and seed corpora, run nothing
#   FUZZ_RUNS=1000000 tools/fuzz.sh network   run each for that many executions instead of a time
#   FUZZ_FLAGS="-jobs=1 ..."       extra libFuzzer flags
# Exits non-zero when a target crashes; the crashing input is left in build-fuzz/ (crash-*, oom-*,
# timeout-*) and the log in build-fuzz/fuzz_<target>.log. Corpora grow in build-fuzz/corpus/<target>.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-10}"
CXX="${FUZZ_CXX:-clang++}"
if ! command -v "$CXX" >/dev/null; then
  echo "fuzz: $CXX not found (install clang and libclang-rt-14-dev); skipped" >&2
  exit 0
fi
out=build-fuzz
mkdir -p "$out/obj"
hdf5_cflags="$(pkg-config --cflags hdf5 2>/dev/null || echo -I/usr/include/hdf5/serial)"
hdf5_libs="$(pkg-config --libs hdf5 2>/dev/null || echo -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5)"
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined -I. $hdf5_cflags -w)
lib_dirs=(datasets engine models rules)
# The serve target also needs these sources of tools/ (the session and what it writes).
tool_srcs=(tools/serve_protocol.cpp tools/serve_session.cpp tools/energy_report.cpp tools/plastic_output.cpp tools/run_output.cpp
           tools/output_folder.cpp tools/data_run.cpp
           tools/spike_raster.cpp tools/nir_file.cpp)
# Library objects, rebuilt when the source or any header of these folders is newer (in parallel,
# FUZZ_JOBS at a time, default one per core): the data set sources are linked whole; engine, models
# and rules go into archives, so the linker takes just what each target uses.
stale=()
for src in datasets/*.cpp engine/*.cpp models/*.cpp rules/*.cpp "${tool_srcs[@]}"; do
  obj="$out/obj/${src%.cpp}.o"; mkdir -p "$(dirname "$obj")"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] \
     || [ -n "$(find "${lib_dirs[@]}" tools -name '*.hpp' -newer "$obj" -print -quit)" ]; then
    rm -f "$obj"
    stale+=("$src")
  fi
done
jobs_max="${FUZZ_JOBS:-$(nproc)}"
for src in ${stale[@]+"${stale[@]}"}; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
  obj="$out/obj/${src%.cpp}.o"
  ( "$CXX" "${flags[@]}" -c "$src" -o "$obj.tmp" && mv "$obj.tmp" "$obj" ) &
done
wait
for src in ${stale[@]+"${stale[@]}"}; do
  [ -f "$out/obj/${src%.cpp}.o" ] || { echo "fuzz: compiling $src failed" >&2; exit 1; }
done
objs=("$out"/obj/datasets/*.o)
for lib in engine models rules tools; do
  rm -f "$out/lib$lib.a"
  ar rcs "$out/lib$lib.a" "$out"/obj/$lib/*.o
done
all_targets=(idx nmnist aedat csv spec network train_config checkpoint spike_csv npy json serve hdf5)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
# Per target: the largest input (-max_len, sized for the format) and the memory limits (plus a dictionary
# of the format's tokens where tests/fuzz/<target>.dict exists). The new targets run under a tighter
# budget: no single allocation over 256 MB, 1 GB resident in all.
limits() {
  case "$1" in
    network|train_config) echo "-max_len=4096 -rss_limit_mb=1024 -malloc_limit_mb=256" ;;
    checkpoint) echo "-max_len=8192 -rss_limit_mb=1024 -malloc_limit_mb=256" ;;
    spike_csv) echo "-max_len=2048 -rss_limit_mb=1024 -malloc_limit_mb=256" ;;
    json) echo "-max_len=4096 -rss_limit_mb=1024 -malloc_limit_mb=256" ;;
    serve) echo "-max_len=8192 -rss_limit_mb=1024 -malloc_limit_mb=256" ;;
    hdf5) echo "-max_len=32768 -rss_limit_mb=1024 -malloc_limit_mb=256" ;;
    *) echo "-max_len=4096 -rss_limit_mb=2048" ;;
  esac
}
# Seed corpora: small valid inputs of each format.
python3 - "$out" <<'PY'
import gzip, json, os, struct, sys
out = sys.argv[1]
def put(target, name, data):
    d = os.path.join(out, "corpus", target); os.makedirs(d, exist_ok=True)
    if isinstance(data, str): data = data.encode()
    open(os.path.join(d, name), "wb").write(data)
img = bytes([0, 0, 8, 3]) + struct.pack(">III", 2, 3, 3) + bytes(range(0, 180, 10))
put("idx", "plain", img); put("idx", "gz", gzip.compress(img))
put("idx", "labels", bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes([1, 2, 3]))
ev = b"".join(bytes([x, y, (p << 7) | (t >> 16 & 0x7f), t >> 8 & 0xff, t & 0xff]) for x, y, p, t in [(1, 2, 1, 5), (33, 0, 0, 90), (4, 4, 1, 90)])
put("nmnist", "three", ev)
def npy(descr, shape, data, major=1):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    pre = 10 if major == 1 else 12
    h += " " * ((64 - (pre + len(h) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY" + bytes([major, 0]) + (struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))) + h.encode() + data
put("npy", "f8", npy("<f8", "(2, 3)", struct.pack("<6d", 0.1, -1, 2, 3, 4, 5)))
put("npy", "f4be", npy(">f4", "(3,)", struct.pack(">3f", 1, 2, 3), 2))
put("npy", "i8", npy("<i8", "(2, 2)", struct.pack("<4q", 0, 1, -1, 7)))
put("npy", "u1", npy("|u1", "(4,)", bytes([0, 1, 254, 255])))
put("json", "numbers", '{"a": [1, -2, 3.5, -0, 0.0, 1e3, 1E-5, 18446744073709551615, -9223372036854775808], "s": "x", "t": true, "n": null}')
put("json", "nested", '[[[{"k": [0.1, 2e-308, 5e-324, 1e400]}]], "\\u00e9", {"a": 1, "a": 2}]')
hdr = b"#!AER-DAT3.1\r\n#Format: RAW\r\n#!END-HEADER\r\n"
def pkt(events, overflow=0):
    body = b"".join(struct.pack("<Ii", (x << 17) | (y << 2) | (p << 1) | 1, t) for x, y, p, t in events)
    return struct.pack("<hhiiiiii", 1, 1, 8, 4, overflow, len(events), len(events), len(events)) + body
put("aedat", "two", hdr + struct.pack("<hhiiiiii", 0, 1, 8, 4, 0, 1, 1, 1) + struct.pack("<Ii", 3, 0) + pkt([(1, 2, 1, 10), (127, 127, 0, 20)]) + pkt([(5, 5, 0, 30)], 1))
put("csv", "labelled", b"sample,time_ms,channel,grade,label\n0,0.5,3,1,1\n0,1.5,1,0.5,1\n1,2,0,1,0\n")
put("csv", "labels", b"time_ms,channel\n1,0\n2,1\n\0label\n4\n")
put("spec", "short", b"randman:train:classes=3,neurons=4,samples_per_class=3,validation_fraction=0.3")
put("spec", "json", b'{"format": "poisson", "classes": 2, "transforms": {"time_bin_ms": 1}, "split": "test"}')
put("spec", "rate", b"randman:test:mode=rate,limit=2")

# Networks (evsnn-network/1): every model, every weight layout, both plastic rules.
def pop(name, model, size, **params): return {"name": name, "model": model, "size": size, "params": params}
mixed = {"format": "evsnn-network/1", "seed": 3, "duration_ms": 50, "description": "every model and layout",
    "populations": [pop("in", "spike_source", 4, spikes=[[0.5, 0], [1, 3, 0.5], [2, 1]]),
                    pop("hid", "cuba_lif", 3, tau_mem_ms=10, tau_syn_ms=3, threshold=[0.3, 0.4, 0.5], refractory_ms=1, reset="zero"),
                    pop("out", "lif_alpha", 2, tau_mem_ms=10, tau_syn_ms=5, threshold=0.5),
                    pop("ro", "li", 2, tau_mem_ms=20, tau_syn_ms=5),
                    pop("d", "lif_delta", 2, tau_mem_ms=5, reset="subtract"),
                    pop("noise", "spike_source", 2, rate_hz=20),
                    pop("ext", "spike_source", 2, external=True)],
    "projections": [{"pre": "in", "post": "hid", "delay_ms": 1, "weights": [[0.5, 0, 0.1], [0.2, 0.3, 0], [0, 0, 1], [0.1, 0.1, 0.1]]},
                    {"name": "rec", "pre": "hid", "post": "hid", "delay_ms": 2.5,
                     "weights": {"init": "normal", "mean": 0, "std": 0.3, "p_connect": 0.5, "self_connections": False, "seed": 4}},
                    {"pre": "hid", "post": "out", "graded": True, "weights": {"pre": [0, 1, 2], "post": [0, 1, 1], "w": [0.9, 0.8, -0.5]}},
                    {"pre": "out", "post": "ro", "weights": {"init": "constant", "value": 0.5}},
                    {"pre": "noise", "post": "d", "weights": {"init": "uniform", "low": -1, "high": 1}},
                    {"pre": "ext", "post": "d", "weights": {"csv": "w.csv"}}]}
put("network", "mixed", json.dumps(mixed, indent=1))
mixed["projections"].pop()
put("network", "mixed_no_csv", json.dumps(mixed))
put("network", "stdp", json.dumps({"format": "evsnn-network/1", "seed": 2000, "duration_ms": 1000,
    "populations": [pop("inputs", "spike_source", 10, rate_hz=10), pop("neuron", "cuba_lif", 1, tau_mem_ms=20, tau_syn_ms=5, threshold=1, reset="zero", refractory_ms=1)],
    "projections": [{"pre": "inputs", "post": "neuron", "delay_ms": 2, "weights": {"init": "uniform", "low": 0, "high": 0.04},
                     "plasticity": {"rule": "stdp", "a_plus": 0.0002, "a_minus": 0.00021, "tau_plus_ms": 20, "tau_minus_ms": 20,
                                    "w_min": 0, "w_max": 0.04, "weight_dependence": "multiplicative", "interaction": "nearest", "dendritic_delay_ms": 1}}]}))
put("network", "triplet", json.dumps({"format": "evsnn-network/1",
    "populations": [pop("a", "spike_source", 3, spikes=[[1, 0], [2, 2]]), pop("b", "lif_delta", 2, tau_mem_ms=10)],
    "projections": [{"pre": "a", "post": "b", "weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]],
                     "plasticity": {"rule": "stdp_triplet", "preset": "visual_cortex_nearest", "w_min": 0, "w_max": 1}}]}))

# Training configs (evsnn-train/1) with inline networks: every rule, loss and optimizer.
def chain(out_model="lif_alpha", sizes=(6, 4, 3)):
    pops = [pop("in", "spike_source", sizes[0], external=True)]
    for k, n in enumerate(sizes[1:-1]): pops.append(pop("h%d" % k, "lif_alpha", n, tau_mem_ms=10, threshold=0.5))
    last = pop("out", out_model, sizes[-1], tau_mem_ms=10, threshold=0.5) if out_model != "li" else pop("out", "li", sizes[-1], tau_mem_ms=10, tau_syn_ms=5)
    pops.append(last)
    projs = [{"pre": pops[k]["name"], "post": pops[k + 1]["name"], "weights": {"init": "normal", "mean": 0.1, "std": 0.3}} for k in range(len(pops) - 1)]
    return {"format": "evsnn-network/1", "seed": 2, "populations": pops, "projections": projs}
ds = {"format": "randman", "classes": 3, "neurons": 6, "samples_per_class": 4, "duration_ms": 10, "seed": 4}
put("train_config", "sfdfa", json.dumps({"format": "evsnn-train/1", "description": "tiny", "network": chain(), "dataset": ds,
    "encoder": {"type": "ttfs", "t_max_ms": 5, "duration_ms": 10},
    "rule": {"type": "sfdfa", "regularization": {"strength": 0.1, "target": 0.2}, "gradient": "exact", "feedback_lr": 0.001},
    "loss": {"type": "count_mse", "target_true": 4, "target_false": 1},
    "optimizer": {"type": "adam", "lr": 0.01, "lr_decay": {"factor": 0.5, "every_epochs": 2, "min_lr": 0.001}},
    "epochs": 2, "batch_size": 4, "seed": 5, "threads": 1,
    "evaluation": {"every_epochs": 1, "test": True, "validation": False, "before_training": True, "limit": 10},
    "checkpoint": {"every_epochs": 1}, "alignment": {"every_batches": 1, "reference": "bp_exact"},
    "energy": {"profile": "loihi", "dt_ms": 1}, "output_dir": "run"}))
put("train_config", "dfa", json.dumps({"format": "evsnn-train/1", "network": chain(sizes=(5, 4, 4, 2)), "dataset": "fashion-mnist",
    "rule": {"type": "dfa", "feedback_init": "normal", "feedback_init_scale": 0.5, "regularization": {"strength": [0.1, 0.2], "target": 0}},
    "loss": {"type": "count_ce", "scale": 2}, "optimizer": {"type": "sgd", "lr": 0.1, "momentum": 0.9}, "alignment": {"every_batches": 2}}))
put("train_config", "bp", json.dumps({"format": "evsnn-train/1", "network": chain(), "dataset": ds, "rule": "bp_exact",
    "loss": {"type": "first_spike_ce", "tau_ms": 5}, "optimizer": {"type": "adamax", "lr": 0.002, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-7}}))
put("train_config", "readout", json.dumps({"format": "evsnn-train/1", "network": chain("li"), "dataset": ds, "rule": "sfdfa", "loss": "readout_ce"}))
put("train_config", "local", json.dumps({"format": "evsnn-train/1", "network": chain(), "dataset": ds,
    "rule": {"type": "local", "layers": [0], "plasticity": {"rule": "stdp", "a_plus": 0.01, "a_minus": 0.012, "w_min": -1, "w_max": 1}}}))

# Client byte streams of evsnn serve: the first byte sets the chunk size; frames are u32 length, u8 type, payload.
def frame(t, payload=b""): return struct.pack("<IB", len(payload) + 1, t) + payload
def events(evs): return frame(2, struct.pack("<I", len(evs)) + b"".join(struct.pack("<dIf", *e) for e in evs))
hello = lambda mode=0, factor=1.0: frame(1, struct.pack("<HBd", 1, mode, factor))
put("serve", "timestamps", bytes([7]) + hello() + events([(0.5, 0, 1.0), (1.0, 3, 0.5), (1.0, 1, 1.0)]) + frame(4, struct.pack("<d", 5.0))
    + events([(6.0, 2, 2.0)]) + frame(7) + frame(8, struct.pack("<H", 3) + b"h_o") + frame(6, b"\0") + frame(5)
    + events([(0.0, 1, 1.0)]) + frame(9))
put("serve", "paced", bytes([64]) + hello(1, 1000.0) + frame(3, struct.pack("<I", 2) + struct.pack("<If", 0, 1.0) + struct.pack("<If", 3, -1.0))
    + events([(100.0, 2, 1.0)]) + frame(7) + frame(9))
put("serve", "bad", bytes([1]) + hello() + struct.pack("<I", 0))

# Spike lists (time_ms,channel[,grade]).
put("spike_csv", "header", b"time_ms,channel,grade\n0.5,3,1\n1.5,1,0.5\n# comment\n\n2,0,-1\n")
put("spike_csv", "plain", b"1,0\r\n2.0,999\r\n1e-3,5\r\n")
PY
# A real checkpoint, as evsnn train writes it on a tiny Randman task (when the evsnn binary is built:
# EVSNN=path, default build/evsnn), without its trailing checksum (fuzz_checkpoint appends it).
ck_corpus="$out/corpus/checkpoint"
mkdir -p "$ck_corpus"
evsnn_bin="${EVSNN:-build/evsnn}"
if [[ " ${targets[*]} " == *" checkpoint "* ]] && [ -x "$evsnn_bin" ] && [ "$evsnn_bin" -nt "$ck_corpus/real" ]; then
  seed_dir="$out/seed-train"
  rm -rf "$seed_dir"; mkdir -p "$seed_dir"
  python3 - "$seed_dir" <<'PY'
import json, os, sys
d = sys.argv[1]
pops = [{"name": "in", "model": "spike_source", "size": 6, "params": {"external": True}},
        {"name": "hidden", "model": "lif_alpha", "size": 4, "params": {"tau_mem_ms": 10, "threshold": 0.5}},
        {"name": "out", "model": "lif_alpha", "size": 3, "params": {"tau_mem_ms": 10, "threshold": 0.5}}]
projs = [{"pre": "in", "post": "hidden", "weights": {"init": "normal", "mean": 0.1, "std": 0.3}},
         {"pre": "hidden", "post": "out", "weights": {"init": "normal", "mean": 0.05, "std": 0.3}}]
json.dump({"format": "evsnn-network/1", "seed": 2, "populations": pops, "projections": projs}, open(os.path.join(d, "net.json"), "w"))
json.dump({"format": "evsnn-train/1", "network": "net.json",
           "dataset": {"format": "randman", "classes": 3, "neurons": 6, "samples_per_class": 4, "duration_ms": 10, "seed": 4},
           "rule": "sfdfa", "loss": {"type": "count_mse", "target_true": 4, "target_false": 1},
           "optimizer": {"type": "adam", "lr": 0.01}, "epochs": 1, "batch_size": 4, "threads": 1,
           "energy": {"profile": ""}, "output_dir": os.path.join(d, "run")}, open(os.path.join(d, "train.json"), "w"))
PY
  if "$evsnn_bin" train "$seed_dir/train.json" >"$seed_dir/train.log" 2>&1; then
    ck="$seed_dir/run/checkpoint.evsnn"
    head -c "$(( $(stat -c %s "$ck") - 8 ))" "$ck" >"$ck_corpus/real"
  else
    echo "fuzz: $evsnn_bin train failed on the seed config; see $seed_dir/train.log" >&2
  fi
fi
# Always also a synthetic one (also the only seed when evsnn is not built).
python3 - "$ck_corpus" <<'PY'
import json, os, struct, sys
weights = [[0.5, -0.25, 0.125], [1.0, 2.0]]
opt = [[0.0] * 3, [0.0] * 3, [0.0] * 2, [0.0] * 2]
blocks = [{"name": "weights/%d" % l, "size": len(w), "type": "f32"} for l, w in enumerate(weights)]
blocks += [{"name": "optimizer/%d" % k, "size": len(a), "type": "f64"} for k, a in enumerate(opt)]
blocks += [{"name": "rule/0", "size": 2, "type": "f32"}]
header = {"blocks": blocks, "config": {"format": "evsnn-train/1"}, "epoch": 1, "format": "evsnn-checkpoint/2",
          "log": {"format": "evsnn-train-log/1", "epochs": [{"epoch": 0, "loss": 1.5, "test_accuracy": None},
                                                            {"epoch": 1, "loss": 1.0, "feedback_cosine": [0.5, None], "update_cosine": []}]},
          "optimizer": {"block_sizes": [3, 2], "format": "evsnn-optimizer-state/1",
                        "optimizer": {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-08, "lr": 0.01, "type": "adam"}, "t": 1},
          "rule": {"type": "sfdfa"}}
h = json.dumps(header, separators=(",", ":")).encode()
data = b"".join(struct.pack("<%df" % len(w), *w) for w in weights) + b"".join(struct.pack("<%dd" % len(a), *a) for a in opt) + struct.pack("<2f", 0.5, -0.5)
open(os.path.join(sys.argv[1], "synthetic"), "wb").write(b"EVSNN-CHECKPOINT/2\n" + struct.pack("<Q", len(h)) + h + data)
# The same as version 3 (f64 weights).
for b in blocks:
    if b["name"].startswith("weights/"): b["type"] = "f64"
header["format"] = "evsnn-checkpoint/3"
h = json.dumps(header, separators=(",", ":")).encode()
data = b"".join(struct.pack("<%dd" % len(w), *w) for w in weights) + b"".join(struct.pack("<%dd" % len(a), *a) for a in opt) + struct.pack("<2f", 0.5, -0.5)
open(os.path.join(sys.argv[1], "synthetic3"), "wb").write(b"EVSNN-CHECKPOINT/3\n" + struct.pack("<Q", len(h)) + h + data)
PY
# HDF5 files (h5py, from python3-h5py): numeric datasets, an SHD-style spike file, and a NIR graph as evsnn
# exports it (when the evsnn binary is built).
if [[ " ${targets[*]} " == *" hdf5 "* ]]; then
  h5_corpus="$out/corpus/hdf5"
  mkdir -p "$h5_corpus"
  h5_python=""
  for py in python3 /usr/bin/python3; do
    if "$py" -c "import h5py" 2>/dev/null; then h5_python="$py"; break; fi
  done
  if [ -z "$h5_python" ]; then
    echo "fuzz: no python3 with h5py (tools/setup.sh installs python3-h5py): the hdf5 target has no seeds" >&2
  else
    "$h5_python" - "$h5_corpus" <<'PY'
import os, sys
import h5py, numpy as np
d = sys.argv[1]
with h5py.File(os.path.join(d, "w_f8"), "w") as f:
    f["w"] = np.array([[0.5, -1.0, 2.0], [0.0, 3.5, -0.25]])
    f["spikes"] = np.array([[0.5, 0], [1.5, 2], [2.0, 1]])
with h5py.File(os.path.join(d, "w_gzip_be"), "w") as f:
    f.create_dataset("w", data=np.arange(16, dtype=">f4").reshape(4, 4), chunks=(2, 2), compression="gzip")
    f.create_dataset("spikes", data=np.array([[0.5, 0, 0.25], [1.0, 3, 2.0]], dtype="<f4"), chunks=(1, 3), compression="gzip")
    f["int"] = np.array([1, -2, 3], dtype=np.int16)
with h5py.File(os.path.join(d, "shd"), "w") as f:
    vf, vu = h5py.vlen_dtype(np.float16), h5py.vlen_dtype(np.uint16)
    times = f.create_dataset("spikes/times", (3,), dtype=vf)
    units = f.create_dataset("spikes/units", (3,), dtype=vu)
    for k, (t, u) in enumerate([([0.01, 0.02, 0.5], [3, 1, 699]), ([0.1], [0]), ([], [])]):
        times[k] = np.array(t, dtype=np.float16)
        units[k] = np.array(u, dtype=np.uint16)
    f["labels"] = np.array([1, 0, 19], dtype=np.uint16)
    f["extra/keys"] = np.array([b"a", b"b"])
PY
  fi
  if [ -x "$evsnn_bin" ] && [ "$evsnn_bin" -nt "$h5_corpus/nir" ]; then
    nir_dir="$out/seed-nir"
    rm -rf "$nir_dir"; mkdir -p "$nir_dir"
    cat >"$nir_dir/net.json" <<'JSON'
{"format": "evsnn-network/1", "duration_ms": 20,
 "populations": [{"name": "in", "model": "spike_source", "size": 3, "params": {"spikes": [[1, 0], [2, 2]]}},
                 {"name": "h", "model": "cuba_lif", "size": 2, "params": {"tau_mem_ms": 10, "tau_syn_ms": 5, "threshold": 0.5}},
                 {"name": "o", "model": "li", "size": 2, "params": {"tau_mem_ms": 20, "tau_syn_ms": 5}}],
 "projections": [{"pre": "in", "post": "h", "delay_ms": 1, "weights": [[0.5, 0.1], [0.2, 0.3], [0.9, -0.4]]},
                 {"pre": "h", "post": "o", "weights": {"pre": [0, 1], "post": [1, 0], "w": [0.7, -0.2]}}]}
JSON
    if "$evsnn_bin" nir export "$nir_dir/net.json" --out "$h5_corpus/nir" --evsnn-extensions >"$nir_dir/log" 2>&1; then :; else
      echo "fuzz: $evsnn_bin nir export failed on the seed network; see $nir_dir/log" >&2
    fi
  fi
fi
status=0
for t in "${targets[@]}"; do
  bin="$out/fuzz_$t"
  "$CXX" "${flags[@]}" -fsanitize=fuzzer "tests/fuzz/fuzz_$t.cpp" "${objs[@]}" "$out/libtools.a" "$out/librules.a" \
    "$out/libmodels.a" "$out/libengine.a" -o "$bin" $hdf5_libs -lz -lfmt -pthread
  mkdir -p "$out/corpus/$t"
  [ "$secs" = 0 ] && [ -z "${FUZZ_RUNS:-}" ] && continue
  if [ -n "${FUZZ_RUNS:-}" ]; then
    budget=(-runs="$FUZZ_RUNS"); echo "fuzz: $t for $FUZZ_RUNS runs"
  else
    budget=(-max_total_time="$secs"); echo "fuzz: $t for ${secs} s"
  fi
  dict=(); [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="$PWD/tests/fuzz/$t.dict")
  # A hang is a finding after 20 s; the hdf5 target's children stop libhdf5's own loops after 10-11 s of CPU
  # time, which a loaded machine may stretch, so it allows 60 s.
  unit_timeout=20; [ "$t" = hdf5 ] && unit_timeout=60
  # shellcheck disable=SC2046
  if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./fuzz_$t" "${budget[@]}" $(limits "$t") ${dict[@]+"${dict[@]}"} -timeout=$unit_timeout \
          -print_final_stats=1 ${FUZZ_FLAGS:-} "corpus/$t" 2>"fuzz_$t.log"); then
    echo "fuzz: $t FAILED; see $out/fuzz_$t.log" >&2
    tail -n 40 "$out/fuzz_$t.log" >&2
    status=1
  else
    grep -E "^#[0-9]+[[:space:]]+DONE" "$out/fuzz_$t.log" | tail -n 1 || true
  fi
done
exit $status
