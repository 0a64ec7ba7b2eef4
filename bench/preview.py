"""Preview of a multi-GB JSONL and CSV: time and extra memory (head only, never the whole file).

Target: under 1 s and under 100 MB of extra memory for 2 GB files.

    python bench/preview.py [--gb 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = """
import json, resource, sys, time
from tunewidgets.data.preview import preview
import pandas, pyarrow  # loaded before measuring: the app has them already
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
p = preview(sys.argv[1], n=20)
elapsed = time.perf_counter() - t
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"s": elapsed, "mb": (after - before) / 1024, "rows": len(p.frame), "num_rows": p.num_rows}))
"""


def _write(path: Path, gb: float, kind: str) -> None:
    row = {"text": "### Question: what is the capital of France?\n### Answer: Paris. " * 4, "label": 1}
    if kind == "jsonl":
        line = json.dumps(row) + "\n"
        header = ""
    else:
        line = '"' + row["text"].replace("\n", " ") + '",1\n'
        header = "text,label\n"
    block = (line * 20000).encode()
    target = int(gb * 1024**3)
    with open(path, "wb") as fh:
        fh.write(header.encode())
        written = 0
        while written < target:
            fh.write(block)
            written += len(block)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gb", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tw-preview-"))
    print(f"\nPreview of {args.gb:g} GB files, {args.repeat} runs each (fresh process per run)\n")
    print("| file | median s | max s | extra memory MB (max) | rows shown | row count | target |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    ok = True
    for kind in ("jsonl", "csv"):
        path = folder / f"big.{kind}"
        _write(path, args.gb, kind)
        results = [json.loads(subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True,
                                             check=True).stdout) for _ in range(args.repeat)]
        seconds = [r["s"] for r in results]
        memory = max(r["mb"] for r in results)
        ok &= statistics.median(seconds) < 1 and memory < 100
        print(f"| {kind} ({path.stat().st_size / 1024**3:.2f} GB) | {statistics.median(seconds):.3f} | "
              f"{max(seconds):.3f} | {memory:.1f} | {results[0]['rows']} | ~{results[0]['num_rows']:,} | "
              "< 1 s, < 100 MB |")
        path.unlink()
    folder.rmdir()
    print(f"\nverdict: {'PASS' if ok else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
