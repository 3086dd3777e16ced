#!/usr/bin/env bash
# Builds the libFuzzer targets in tests/fuzz/ with clang (-fsanitize=fuzzer,address,undefined)
# against the data set sources and runs each for a short time (default 20 s; FUZZ_SECONDS=N).
#   tools/fuzz.sh            build and run all targets
#   tools/fuzz.sh idx aedat  only these
# Exits non-zero when a target crashes; the crashing input is left in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-20}"
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
# Library objects (rebuilt when the source or any header is newer): the data set sources, linked
# whole, and every engine source in an archive, so the linker takes just what the data sets use.
objs=()
engine_objs=()
for src in datasets/*.cpp engine/*.cpp; do
  obj="$out/obj/${src%.cpp}.o"; mkdir -p "$(dirname "$obj")"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find datasets -name '*.hpp' -newer "$obj" -print -quit)" ] \
     || [ -n "$(find engine -name '*.hpp' -newer "$obj" -print -quit)" ]; then
    "$CXX" "${flags[@]}" -c "$src" -o "$obj"
  fi
  case "$src" in engine/*) engine_objs+=("$obj") ;; *) objs+=("$obj") ;; esac
done
rm -f "$out/libengine.a"
ar rcs "$out/libengine.a" "${engine_objs[@]}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(idx nmnist aedat csv spec)
# Seed corpora: small valid inputs of each format.
python3 - "$out" <<'PY'
import gzip, os, struct, sys
out = sys.argv[1]
def put(target, name, data):
    d = os.path.join(out, "corpus", target); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), "wb").write(data)
img = bytes([0, 0, 8, 3]) + struct.pack(">III", 2, 3, 3) + bytes(range(0, 180, 10))
put("idx", "plain", img); put("idx", "gz", gzip.compress(img))
put("idx", "labels", bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes([1, 2, 3]))
ev = b"".join(bytes([x, y, (p << 7) | (t >> 16 & 0x7f), t >> 8 & 0xff, t & 0xff]) for x, y, p, t in [(1, 2, 1, 5), (33, 0, 0, 90), (4, 4, 1, 90)])
put("nmnist", "three", ev)
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
PY
status=0
for t in "${targets[@]}"; do
  bin="$out/fuzz_$t"
  "$CXX" "${flags[@]}" -fsanitize=fuzzer "tests/fuzz/fuzz_$t.cpp" "${objs[@]}" "$out/libengine.a" -o "$bin" $hdf5_libs -lz -lfmt
  mkdir -p "$out/corpus/$t"
  echo "fuzz: $t for ${secs} s"
  if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./fuzz_$t" -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 \
          -print_final_stats=0 "corpus/$t" 2>"fuzz_$t.log"); then
    echo "fuzz: $t FAILED; see $out/fuzz_$t.log" >&2
    tail -n 40 "$out/fuzz_$t.log" >&2
    status=1
  else
    grep -E "^Done [0-9]+ runs" "$out/fuzz_$t.log" | tail -n 1 || true
  fi
done
exit $status
