"""Start-up: `import tunewidgets` time, what it imports, and building the app's widgets.

Targets: import under 0.3 s; the app's widgets built under 1.5 s; nothing heavy
(torch, transformers, trl, datasets) imported before it is needed.

    python bench/startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

HEAVY = ("torch", "transformers", "trl", "datasets", "peft", "accelerate", "matplotlib", "pandas", "ipywidgets")

IMPORT = ("import time, sys; t=time.perf_counter(); import tunewidgets; d=time.perf_counter()-t; "
          "print(d, ','.join(m for m in %r if m in sys.modules))" % (HEAVY,))
CONFIG = ("import time, sys; t=time.perf_counter(); import tunewidgets.config; d=time.perf_counter()-t; "
          "print(d, ','.join(m for m in %r if m in sys.modules))" % (HEAVY,))
APP = ("import time, sys; t=time.perf_counter(); from tunewidgets import TrainerApp; app = TrainerApp(); "
       "d=time.perf_counter()-t; print(d, ','.join(m for m in %r if m in sys.modules))" % (HEAVY,))


def _measure(code: str, repeat: int) -> tuple[list[float], str]:
    times, loaded = [], ""
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        times.append(float(out[0]))
        loaded = out[1] if len(out) > 1 else ""
    return times, loaded


def _breakdown(top: int = 12) -> list[tuple[int, str]]:
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import tunewidgets"], capture_output=True,
                         text=True).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self" in line:
            continue
        _, cumulative, name = line.split("|")
        rows.append((int(cumulative.strip()), name.rstrip()))
    return sorted(rows, reverse=True)[:top]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-app", action="store_true")
    args = parser.parse_args()
    imp, imp_loaded = _measure(IMPORT, args.repeat)
    print("\n| what | median s | min-max s | heavy modules loaded | target |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| import tunewidgets | {statistics.median(imp):.3f} | {min(imp):.3f}-{max(imp):.3f} | "
          f"{imp_loaded or 'none'} | < 0.3 s |")
    verdicts = [statistics.median(imp) < 0.3 and not imp_loaded]
    cfg, cfg_loaded = _measure(CONFIG, args.repeat)
    print(f"| import tunewidgets.config (pydantic schema) | {statistics.median(cfg):.3f} | "
          f"{min(cfg):.3f}-{max(cfg):.3f} | {cfg_loaded or 'none'} | < 0.3 s |")
    verdicts.append(statistics.median(cfg) < 0.3 and not cfg_loaded)
    if not args.skip_app:
        app, app_loaded = _measure(APP, args.repeat)
        print(f"| import + build TrainerApp() | {statistics.median(app):.3f} | {min(app):.3f}-{max(app):.3f} | "
              f"{app_loaded or 'none'} | < 1.5 s |")
        verdicts.append(statistics.median(app) < 1.5 and not {"torch", "transformers", "trl"} & set(
            app_loaded.split(",")))
    print("\nImport-time breakdown of `import tunewidgets` (cumulative microseconds, top entries):\n")
    for micros, name in _breakdown():
        print(f"  {micros:>8}  {name}")
    print(f"\nverdict: {'PASS' if all(verdicts) else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
