"""Shared set-up for the benchmarks: a ~3M-parameter Llama and ~150-token rows, built offline, and the runners.

Every runner returns a dict with at least ``tokens_per_s`` (train tokens, padding excluded, per second of
``train_runtime``) and ``wall`` (the whole job, process start to exit, in seconds).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# The settings every side of a comparison shares (plain TRL's arguments, tunewidgets' params).
STEPS, BATCH, BLOCK, LR = 60, 4, 256, 3e-4


def build_bench_model(out_dir: Path) -> str:
    """A Llama of about 3.4M parameters (vocab 2048, hidden 256, 3 layers) with random weights."""
    from tunewidgets.tiny import build_tiny_llama

    if not (out_dir / "model.safetensors").exists():
        build_tiny_llama(out_dir, vocab_size=2048, hidden_size=256, layers=3, heads=4, kv_heads=4,
                         intermediate_size=688, max_position_embeddings=512)
    return str(out_dir)


def build_bench_data(out_dir: Path, rows: int = 512) -> str:
    """``rows`` texts of about 150 tokens: several demo question/answer pairs joined."""
    from tunewidgets.tiny import make_demo_dataset

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "train.jsonl"
    if not path.exists():
        pieces = make_demo_dataset("sft-text", n=rows * 8, seed=1)["text"].tolist()
        with open(path, "w") as fh:
            for i in range(rows):
                fh.write(json.dumps({"text": "\n\n".join(pieces[i * 8:(i + 1) * 8])}) + "\n")
    return str(out_dir)


def bench_assets(work: Path, rows: int = 512) -> tuple[str, str]:
    """The model and data folders (built once under ``work``)."""
    return build_bench_model(work / "model"), build_bench_data(work / "data", rows)


def useful_tokens(model: str, data: str, block: int = BLOCK) -> int:
    """Non-padding tokens of one epoch: every row tokenized as TRL does (EOS appended), cut at ``block``."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model)
    with open(os.path.join(data, "train.jsonl")) as fh:
        texts = [json.loads(line)["text"] for line in fh]
    ids = tokenizer(texts)["input_ids"]
    return sum(min(len(row) + 1, block) for row in ids)


# --------------------------------------------------------------------------- summaries and tables


def summarize(values: list[float], digits: int = 0) -> str:
    """median (min-max) of a list of numbers; "-" when there are none (e.g. too few log intervals)."""
    values = [v for v in values if v == v]  # NaN: not measured
    if not values:
        return "-"
    f = f"{{:,.{digits}f}}"
    return f"{f.format(statistics.median(values))} ({f.format(min(values))}-{f.format(max(values))})"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: list[str], rows: list[list]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_note() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{len(os.sched_getaffinity(0))} cores, load average {load:.2f} at the end"


def interleave(rounds: int, runners: dict[str, Callable[[], dict]], log=print) -> dict[str, list[dict]]:
    """Run every runner once per round, rotating who goes first, so slow spells hit every side alike."""
    names = list(runners)
    results: dict[str, list[dict]] = {name: [] for name in names}
    for i in range(rounds):
        order = names[i % len(names):] + names[:i % len(names)]
        for name in order:
            result = runners[name]()
            results[name].append(result)
            log(f"  round {i + 1} {name}: " + ", ".join(
                f"{k} {v:,.1f}" for k, v in result.items()
                if isinstance(v, (int, float)) and not k.startswith("t_")), flush=True)
    return results


def paired_ratios(results: dict[str, list[dict]], a: str, b: str, key: str = "tokens_per_s") -> list[float]:
    """Per-round a/b ratios of ``key`` (the runs of one round ran back to back)."""
    return [x[key] / y[key] for x, y in zip(results[a], results[b]) if y.get(key)]


# --------------------------------------------------------------------------- runners


def _env(threads: int | None, extra: dict | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TOKENIZERS_PARALLELISM="false")
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class BusyNeighbour:
    """One other process spinning on a core while the block runs: the contention a notebook's browser, another
    kernel or a test suite brings, made repeatable."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def run_plain(model: str, data: str, out: Path, *, steps: int = STEPS, threads: int | None = None,
              extra: list[str] | None = None, env: dict | None = None, busy: bool = False) -> dict:
    """bench/plain_trl.py in a fresh process (``busy``: with a BusyNeighbour spinning meanwhile)."""
    import contextlib

    t0 = time.time()
    cmd = [sys.executable, str(HERE / "plain_trl.py"), "--model", model, "--data", data, "--out", str(out),
           "--steps", str(steps), *(extra or [])]
    with BusyNeighbour() if busy else contextlib.nullcontext():
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(threads, env))
    if proc.returncode != 0:
        raise RuntimeError(f"plain TRL failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = time.time() - t0
    result["t_spawn"] = t0
    return result


def tw_config(model: str, data: str, project: str, *, steps: int = STEPS, logging_steps: int = 10,
              **params) -> dict:
    """A tunewidgets llm-sft config with the same settings as bench/plain_trl.py."""
    base = {"max_steps": steps, "batch_size": BATCH, "gradient_accumulation": 1, "lr": LR, "block_size": BLOCK,
            "model_max_length": 512, "logging_steps": logging_steps, "save_strategy": "no", "eval_strategy": "no",
            "packing": False, "warmup_ratio": 0.1, "mixed_precision": "none"}
    base.update(params)
    return {"task": "llm-sft", "base_model": model, "project_name": project,
            "data": {"path": data, "train_split": "train", "column_mapping": {"text_column": "text"}},
            "params": base}


def run_tw_cli(config: dict, work: Path, *, threads: int | None = None) -> dict:
    """``tunewidgets train cfg.yml`` in a fresh process; tokens/s from the run's status.json."""
    path = work / f"{config['project_name']}.yml"
    path.write_text(yaml.safe_dump(config))
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-m", "tunewidgets", "train", str(path), "--workdir", str(work),
                           "--overwrite", "--quiet"], capture_output=True, text=True, env=_env(threads))
    wall = time.time() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"tunewidgets train failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return {**status_numbers(work / config["project_name"]), "wall": wall}


def status_numbers(run_dir: Path) -> dict:
    """train_runtime and num_tokens from the run's status.json, (time, num_tokens) of every log from metrics.jsonl."""
    status = json.loads((Path(run_dir) / "status.json").read_text())
    log = []
    metrics = Path(run_dir) / "metrics.jsonl"
    if metrics.exists():
        for line in metrics.read_text().splitlines():
            record = json.loads(line)
            if "num_tokens" in record and "time" in record:
                log.append({"step": record["step"], "time": record["time"], "num_tokens": record["num_tokens"]})
    return {"train_runtime": status["train_runtime"], "num_tokens": status["num_tokens"],
            "tokens_per_s": status["num_tokens"] / status["train_runtime"], "steps": status.get("step", 0),
            "log": log}


def interval_rate(log: list[dict]) -> float:
    """Median tokens/s over the intervals between logged steps, the first (warm-up) left out: a burst of load
    from elsewhere slows a few intervals and barely moves the median."""
    rates = []
    for a, b in zip(log[1:], log[2:]):
        if b["time"] > a["time"]:
            rates.append((b["num_tokens"] - a["num_tokens"]) / (b["time"] - a["time"]))
    return statistics.median(rates) if rates else float("nan")


def add_interval_rates(results: dict[str, list[dict]]) -> None:
    for runs in results.values():
        for run in runs:
            run["interval_tokens_per_s"] = interval_rate(run.get("log") or [])


def common_args(parser, rounds: int = 3) -> None:
    parser.add_argument("--rounds", type=int, default=rounds, help="interleaved rounds (median and range over them)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the script runs, numbers mean nothing")
    parser.add_argument("--work", default=None, help="folder for the model, data and runs (default: a temp folder)")


def work_dir(args) -> Path:
    import tempfile

    path = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="tw-bench-"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def dump(result_path: str | None, payload: dict) -> None:
    """Write the raw numbers as JSON when asked (--json)."""
    if result_path:
        Path(result_path).write_text(json.dumps(payload, indent=2, default=str))


def legacy_model_copy(model: str, out_dir: Path) -> str:
    """The bench model in a form transformers 4.x (AutoTrain 0.8.36's stack) loads: same weights, the
    tokenizer class named PreTrainedTokenizerFast, rope_theta spelled out."""
    import shutil

    out_dir = Path(out_dir)
    if (out_dir / "model.safetensors").exists():
        return str(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for item in Path(model).iterdir():
        if item.is_file():
            shutil.copy2(item, out_dir / item.name)
    tok = json.loads((out_dir / "tokenizer_config.json").read_text())
    tok["tokenizer_class"] = "PreTrainedTokenizerFast"
    extra = tok.pop("extra_special_tokens", None)
    if isinstance(extra, list):
        tok["additional_special_tokens"] = extra
    tok.pop("backend", None)
    (out_dir / "tokenizer_config.json").write_text(json.dumps(tok, indent=2))
    cfg = json.loads((out_dir / "config.json").read_text())
    rope = cfg.get("rope_parameters") or {}
    cfg.setdefault("rope_theta", rope.get("rope_theta", 10000.0))
    cfg.setdefault("torch_dtype", cfg.get("dtype", "float32"))
    (out_dir / "config.json").write_text(json.dumps(cfg, indent=2))
    return str(out_dir)
