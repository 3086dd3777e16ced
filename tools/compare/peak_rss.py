"""peak_rss: one `evsnn train` run under /usr/bin/time -v (optionally under flock), its whole-process peak
memory and wall time — shared by the memory sweeps in this folder (tick_memory_sweep.py, rule_memory_sweep.py).
"""
import re
import subprocess
import sys


def train_peak_rss(evsnn, config_path, out_dir, lock=""):
    """Runs `evsnn train CONFIG --out DIR --quiet`; returns (maximum RSS in kB, wall time as /usr/bin/time prints
    it). Exits with the command's output when it fails."""
    cmd = (["flock", lock] if lock else []) + ["/usr/bin/time", "-v", evsnn, "train", config_path, "--out", out_dir,
                                               "--quiet"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{r.stdout}\n{r.stderr}")
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", r.stderr).group(1)
    return kb, wall
