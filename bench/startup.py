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


def _breakdown(code: str, top: int = 12) -> list[tuple[int, int, str]]:
    """What ``code`` imports, from ``python -X importtime``: (cumulative us, self us, name) of the top-level
    imports and their direct children, largest first. Interpreter start-up (site) is left out."""
    marker = "tunewidgets-bench-start"
    err = subprocess.run([sys.executable, "-X", "importtime", "-c",
                          f"import sys; sys.stderr.write({marker!r} + chr(10)); {code}"],
                         capture_output=True, text=True).stderr
    rows = []
    for line in err.split(marker, 1)[-1].splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:"):].split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        if depth <= 1:
            rows.append((int(cumulative.strip()), int(own.strip()), ("  under it: " if depth else "") + name.strip()))
    return sorted(rows, reverse=True)[:top]


def _print_breakdown(title: str, code: str) -> None:
    print(f"\nImport-time breakdown of `{title}` (top-level imports and their direct children, largest first):\n")
    print("| cumulative ms | self ms | module |")
    print("| --- | --- | --- |")
    for micros, own, name in _breakdown(code):
        print(f"| {micros / 1000:.1f} | {own / 1000:.1f} | {name} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-app", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="one repeat (checks the script runs)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.repeat = 1
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
    _print_breakdown("import tunewidgets", "import tunewidgets")
    _print_breakdown("import tunewidgets.config", "import tunewidgets.config")
    if not args.skip_app:
        _print_breakdown("from tunewidgets import TrainerApp; TrainerApp()",
                         "from tunewidgets import TrainerApp; TrainerApp()")
    print(f"\nverdict: {'PASS' if all(verdicts) else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
