"""Each bench script runs at a tiny size and prints its table and a verdict.

Benchmarks are not tests: nothing here looks at a number or a time, only that the script works end to end
(BENCHMARKS.md holds the measurements). The scripts that train are marked slow.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _run(script: str, *args: str, timeout: float = 600) -> str:
    env = dict(os.environ, PYTHONPATH=str(BENCH.parent) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=BENCH.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "verdict:" in proc.stdout, proc.stdout[-2000:]
    assert "| ---" in proc.stdout or "NOT RUN" in proc.stdout  # a table (or the reason there is none)
    return proc.stdout


def test_startup_smoke():
    out = _run("startup.py", "--smoke")
    assert "build TrainerApp()" in out and "Import-time breakdown" in out


def test_plot_smoke():
    out = _run("plot.py", "--smoke")
    assert "10,000" in out


def test_preview_smoke():
    out = _run("preview.py", "--gb", "0.01", "--repeat", "1")
    assert "jsonl" in out and "csv" in out


def test_gpu_script_says_it_needs_a_gpu_here():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present: the script would run for real")
    assert "NOT RUN" in _run("gpu_lora.py")


@pytest.mark.slow
def test_gpu_script_plumbing_on_cpu(tmp_path):
    out = _run("gpu_lora.py", "--smoke", "--work", str(tmp_path))
    assert "plain TRL defaults" in out and "tunewidgets defaults" in out


@pytest.mark.slow
def test_engine_overhead_smoke(tmp_path):
    out = _run("engine_overhead.py", "--smoke", "--work", str(tmp_path))
    assert "tunewidgets train" in out and "plain TRL + lean trainer" in out


@pytest.mark.slow
def test_grpo_overhead_smoke(tmp_path):
    out = _run("grpo_overhead.py", "--smoke", "--work", str(tmp_path))
    assert "plain TRL GRPO" in out and "tunewidgets train" in out and "steps/s" in out


@pytest.mark.slow
def test_autotrain_compare_smoke_without_autotrain(tmp_path):
    out = _run("autotrain_compare.py", "--smoke", "--skip-autotrain", "--work", str(tmp_path))
    assert "tunewidgets defaults" in out


@pytest.mark.slow
def test_app_thread_smoke(tmp_path):
    out = _run("app_thread.py", "--smoke", "--work", str(tmp_path))
    assert "TrainerApp, thread mode, live plot" in out


@pytest.mark.slow
def test_stop_latency_smoke(tmp_path):
    out = _run("stop_latency.py", "--smoke", "--work", str(tmp_path))
    assert "thread mode" in out and "subprocess mode" in out


@pytest.mark.slow
def test_cpu_defaults_smoke(tmp_path):
    out = _run("cpu_defaults.py", "--smoke", "--work", str(tmp_path))
    assert "packing wrapped" in out and "bf16 autocast" in out


@pytest.mark.slow
def test_data_scale_smoke(tmp_path):
    out = _run("data_scale.py", "--smoke", "--work", str(tmp_path))
    assert "rerun on the same data" in out and "'tokenized data reused': True" in out


@pytest.mark.slow
def test_sweep_overhead_smoke(tmp_path):
    out = _run("sweep_overhead.py", "--smoke", "--work", str(tmp_path))
    assert "tunewidgets sweep (trials in-process)" in out and "x tunewidgets train" in out
