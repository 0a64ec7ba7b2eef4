"""Data at scale: a large SFT set (and a large text-classification set) trained by a plain script and by
`tunewidgets train`, side by side: the whole job on a cold datasets cache, a rerun on the same data (a resume,
new hyperparameters, a sweep trial), peak memory, and the time to the first training step.

Each tool gets its own datasets cache (HF_DATASETS_CACHE), emptied before its first run. Few optimizer steps:
what is measured is the data's way to the trainer, not training.

    python bench/data_scale.py --rows 1000000            # the issue's size (minutes per run here)
    python bench/data_scale.py --rows 150000 --task text_classification
    python bench/data_scale.py --smoke                   # a few thousand rows: the script works
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml
from _common import HERE, build_bench_model, machine_note, table

STEPS = 10
WORDS = ("the model learns to answer simple questions about colours numbers capitals opposites and sounds "
         "quickly while the loss falls step by step on two small cores").split()


def make_rows(path: Path, rows: int, labelled: bool) -> None:
    """``rows`` JSONL rows of 20 to 80 words (with a label for classification), generated once."""
    if path.exists() and path.stat().st_size and sum(1 for _ in open(path)) == rows:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    with open(path, "w") as handle:
        for _ in range(rows):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 80)))
            row = {"text": text, "label": "pos" if "quickly" in text else "neg"} if labelled else {"text": text}
            handle.write(json.dumps(row) + "\n")


def run_measured(command: list[str], env: dict, cwd: Path) -> dict:
    """Run ``command``; wall seconds and the process's own peak RSS (MB), read from wait4."""
    start = time.time()
    log = cwd / "last-run.log"
    with open(log, "w") as handle:
        process = subprocess.Popen(command, env=env, cwd=str(cwd), stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text()
    if process.returncode:
        raise SystemExit(f"{command[:4]} failed ({process.returncode}):\n{output[-3000:]}")
    return {"start": start, "wall": time.time() - start, "rss_mb": usage.ru_maxrss / 1024, "output": output}


def plain(task: str, model: str, data: Path, out: Path, env: dict) -> dict:
    script = HERE / ("plain_trl.py" if task == "llm-sft" else "plain_text_classification.py")
    result = run_measured([sys.executable, str(script), "--model", model, "--data", str(data), "--out", str(out),
                           "--steps", str(STEPS), "--logging-steps", "1"], env, out.parent)
    line = next(line for line in reversed(result["output"].splitlines()) if line.startswith("{"))
    facts = json.loads(line)
    result["first_step"] = facts["t_first_log"] - facts["t_start"]
    return result


def tunewidgets(task: str, model: str, data: Path, out: Path, env: dict) -> dict:
    mapping = {"text_column": "text"} if task == "llm-sft" else {"text_column": "text", "target_column": "label"}
    params = {"max_steps": STEPS, "batch_size": 4, "logging_steps": 1, "save_strategy": "no", "lr": 3e-4}
    if task == "llm-sft":
        params.update(block_size=256, model_max_length=512)
    else:
        params.update(max_seq_length=256, eval_strategy="no", epochs=1)
    config = {"task": task, "base_model": model, "project_name": "run",
              "data": {"path": str(data), "train_split": "train", "valid_split": None, "column_mapping": mapping},
              "params": params}
    path = out.parent / f"{task}.yml"
    path.write_text(yaml.safe_dump(config))
    result = run_measured([sys.executable, "-m", "tunewidgets", "train", str(path), "--workdir", str(out),
                           "--overwrite", "--quiet"], env, out.parent)
    first = next(json.loads(line) for line in open(out / "run" / "metrics.jsonl"))
    result["first_step"] = first["time"] - result["start"]
    result["reused"] = "tokenized data reused" in (out / "run" / "train.log").read_text()
    return result


def bench_model(task: str, work: Path) -> str:
    if task == "llm-sft":
        return build_bench_model(work / "model")
    from tunewidgets.tiny import build_tiny_model

    folder = work / "bert"
    if not (folder / "model.safetensors").exists():
        build_tiny_model("bert", folder)
    return str(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--task", choices=["llm-sft", "text_classification"], default="llm-sft")
    parser.add_argument("--work", default="/tmp/tunewidgets-bench-data-scale")
    parser.add_argument("--result", default=None, help="also write the measurements as JSON here")
    parser.add_argument("--smoke", action="store_true", help="a few thousand rows: check that the script runs")
    args = parser.parse_args()
    rows = 3000 if args.smoke else args.rows
    work = Path(args.work)
    model = bench_model(args.task, work)
    data = work / f"data-{args.task}-{rows}"
    make_rows(data / "train.jsonl", rows, labelled=args.task != "llm-sft")
    results = {}
    for name, runner in (("plain script", plain), ("tunewidgets", tunewidgets)):
        cache = work / f"hf-cache-{name.replace(' ', '-')}"
        shutil.rmtree(cache, ignore_errors=True)
        env = {**os.environ, "HF_DATASETS_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
               "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        out = work / f"out-{name.replace(' ', '-')}"
        results[name] = [runner(args.task, model, data, out, env) for _ in ("first", "rerun")]
    plain_first, plain_rerun = results["plain script"]
    ours_first, ours_rerun = results["tunewidgets"]
    print(f"\n{args.task}, {rows:,} rows ({(data / 'train.jsonl').stat().st_size / 1e6:.0f} MB of JSONL), {STEPS} "
          f"steps; {machine_note()}")
    print(table(["run", "plain script", "tunewidgets train", "ratio"], [
        ["first run, whole job (s)", f"{plain_first['wall']:.1f}", f"{ours_first['wall']:.1f}",
         f"{ours_first['wall'] / plain_first['wall']:.2f}"],
        ["first run, to the first step (s)", f"{plain_first['first_step']:.1f}", f"{ours_first['first_step']:.1f}",
         f"{ours_first['first_step'] / plain_first['first_step']:.2f}"],
        ["first run, peak RSS (MB)", f"{plain_first['rss_mb']:.0f}", f"{ours_first['rss_mb']:.0f}",
         f"{ours_first['rss_mb'] / plain_first['rss_mb']:.2f}"],
        ["rerun on the same data, whole job (s)", f"{plain_rerun['wall']:.1f}", f"{ours_rerun['wall']:.1f}",
         f"{ours_rerun['wall'] / plain_rerun['wall']:.2f}"],
        ["rerun, to the first step (s)", f"{plain_rerun['first_step']:.1f}", f"{ours_rerun['first_step']:.1f}",
         f"{ours_rerun['first_step'] / plain_rerun['first_step']:.2f}"],
    ]))
    print(f"tunewidgets' rerun said 'tokenized data reused': {ours_rerun['reused']}")
    targets = {"first run whole job <= 1.0x": ours_first["wall"] <= plain_first["wall"],
               "first run peak RSS <= 1.05x": ours_first["rss_mb"] <= 1.05 * plain_first["rss_mb"],
               "rerun <= 1.5x plain's cached rerun": ours_rerun["wall"] <= 1.5 * plain_rerun["wall"]}
    missed = [name for name, met in targets.items() if not met]
    if args.result:
        Path(args.result).write_text(json.dumps({name: [{k: v for k, v in r.items() if k != "output"} for r in runs]
                                                 for name, runs in results.items()}, indent=2))
    print("verdict: " + ("every target met" if not missed else "MISSED: " + "; ".join(missed)))


if __name__ == "__main__":
    main()
