#!/usr/bin/env python3
"""check_layers.py [ROOT]: the project's structural rules, checked from the sources (a ctest).

- Folders are floors: engine < models, datasets, rules < tools. A source may include only its own
  floor or lower ones; models/, datasets/ and rules/ are siblings (rules never include models/:
  they learn about a model through engine/membrane_view.hpp).
- No source file in rules/ or tools/ is longer than 500 lines.
Prints every violation and exits 1 if there is one.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
allowed = {
    "engine": {"engine"},
    "models": {"engine", "models"},
    "datasets": {"engine", "datasets"},
    "rules": {"engine", "datasets", "rules"},
    "tools": {"engine", "models", "datasets", "rules", "tools"},
}
include = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')
problems = []
for folder, ok in allowed.items():
    for dirpath, _, files in os.walk(os.path.join(root, folder)):
        for f in sorted(files):
            if not f.endswith((".cpp", ".hpp", ".h")):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8") as fh:
                lines = fh.readlines()
            for n, line in enumerate(lines, 1):
                m = include.match(line)
                if m and m.group(1) in allowed and m.group(1) not in ok:
                    problems.append(f"{rel}:{n}: {folder}/ must not include {m.group(1)}/")
            if folder in ("rules", "tools") and len(lines) > 500:
                problems.append(f"{rel}: {len(lines)} lines (at most 500 in {folder}/)")
for p in problems:
    print(p)
print(f"check_layers: {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
