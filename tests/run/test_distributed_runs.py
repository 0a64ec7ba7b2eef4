"""Two real processes on CPU (gloo) for each engine: DDP, DeepSpeed ZeRO-2 and ZeRO-3 (with CPU offload) stop or
die after a checkpoint, resume from it at the saved step, and save a final model that ``from_pretrained`` loads;
a LoRA adapter under ZeRO-3 is saved whole and merged. Each launch takes 20-40 s here."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from tunewidgets.cli import main
from tunewidgets.run.rundir import RunDirectory

pytestmark = pytest.mark.slow

STEPS = 40


@pytest.fixture(autouse=True)
def _extensions(monkeypatch):
    """DeepSpeed builds its CPU communication op once (about 40 s) and keeps it here."""
    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", os.environ.get("TORCH_EXTENSIONS_DIR",
                                                              str(Path.home() / ".cache" / "torch_extensions")))


def _config(demo, tmp_path, **params) -> dict:
    base = {"max_steps": STEPS, "batch_size": 4, "gradient_accumulation": 1, "lr": 1e-3, "block_size": 64,
            "model_max_length": 128, "logging_steps": 1, "save_strategy": "steps", "save_steps": 3,
            "warmup_ratio": 0.0, "num_processes": 2}
    config = {"task": "llm-sft", "base_model": demo["model"], "project_name": "run",
              "data": {"path": demo["data"]["sft-text"], "column_mapping": {"text_column": "text"}},
              "params": {**base, **params}}
    (tmp_path / "cfg.yml").write_text(yaml.safe_dump(config))
    return config


def _command(tmp_path, *extra) -> list[str]:
    return [sys.executable, "-m", "tunewidgets", "train", str(tmp_path / "cfg.yml"), "--workdir", str(tmp_path),
            "--quiet", *extra]


def _wait_for(predicate, timeout: float = 300.0) -> None:
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


def _assert_whole(checkpoint: Path, deepspeed: bool) -> None:
    """Both ranks' parts are in the checkpoint (so both ranks really ran), and the model in it loads."""
    names = {p.name for p in checkpoint.iterdir()}
    assert {"rng_state_0.pth", "rng_state_1.pth", "trainer_state.json"} <= names, names
    if deepspeed:
        shards = {p.name for p in next(checkpoint.glob("global_step*")).iterdir()}
        assert {"zero_pp_rank_0_mp_rank_00_optim_states.pt", "zero_pp_rank_1_mp_rank_00_optim_states.pt"} <= shards
    _assert_loads(checkpoint)


def _assert_loads(folder: Path, base: str | None = None) -> None:
    """from_pretrained loads real weights (not ZeRO-3's empty placeholders), trained away from the base."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder)
    weights = model.state_dict()
    assert all(t.numel() > 0 for t in weights.values())
    if base is not None:
        before = AutoModelForCausalLM.from_pretrained(base).state_dict()
        assert max(float((weights[k] - before[k]).abs().max()) for k in before) > 1e-4


def _resume_and_finish(tmp_path, base: str, *, deepspeed: bool) -> None:
    """Resume with the same config: training starts again at the saved step and finishes with a model."""
    rundir = RunDirectory(tmp_path / "run")
    step = int(rundir.last_checkpoint().name.split("-")[1])
    lines = len(rundir.read_metrics())
    assert main(["train", str(tmp_path / "cfg.yml"), "--workdir", str(tmp_path), "--quiet", "--resume"]) == 0
    assert f"training started: {STEPS} steps, resuming at step {step}" in rundir.log_path.read_text()
    new = [r["step"] for r in rundir.read_metrics()[lines:]]
    assert new == list(range(step + 1, STEPS + 1))  # from the saved step on, each step once (rank 0 writes)
    status = rundir.status()
    assert status["state"] == "finished" and status["step"] == STEPS
    assert not list(rundir.path.glob(".tmp-*")) and not (rundir.path / ".stop-request").exists()
    _assert_whole(rundir.last_checkpoint(), deepspeed)
    _assert_loads(rundir.path, base)


@contextmanager
def _holding(port: int):
    """A listening socket on ``port`` for the block (left to whoever holds it already)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            busy.bind(("127.0.0.1", port))
            busy.listen()
        except OSError:
            pass
        yield


def _rank_pid(run_dir: Path, rank: int) -> int | None:
    """The pid of a launched rank of this run (its environment says RANK=<rank>)."""
    config = str(run_dir / "config.yml").encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--launched" in command and config in command and f"RANK={rank}".encode() in environ:
            return int(entry.name)
    return None


def test_ddp_ctrl_c_stops_every_rank_with_a_checkpoint_and_resume_finishes(demo, tmp_path):
    _config(demo, tmp_path)
    rundir = RunDirectory(tmp_path / "run")
    process = subprocess.Popen(_command(tmp_path), start_new_session=True, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: rundir.read_metrics() or process.poll() is not None)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole foreground group
    _, err = process.communicate(timeout=300)
    assert process.returncode == 130, err[-3000:]
    status = rundir.status()
    assert status["state"] == "stopped" and 0 < status["step"] < STEPS
    assert "stop requested: every rank stops at the next step" in rundir.log_path.read_text()
    _assert_whole(tmp_path / "run" / f"checkpoint-{status['step']}", deepspeed=False)
    _resume_and_finish(tmp_path, demo["model"], deepspeed=False)


def test_zero2_stop_in_the_app_reaches_every_rank_and_resume_finishes(demo, tmp_path):
    from tunewidgets.run.engine import Run

    config = _config(demo, tmp_path, distributed_backend="deepspeed", deepspeed_stage=2)
    run = Run(config, workdir=tmp_path, mode="subprocess").start()  # the app's mode for several processes
    _wait_for(lambda: run.metrics or run.done)
    run.stop()
    assert run.wait(timeout=300) == "stopped", run.error
    run._process.wait(timeout=60)  # the launcher ends once every rank has
    step = RunDirectory(tmp_path / "run").status()["step"]
    assert 0 < step < STEPS
    _assert_whole(tmp_path / "run" / f"checkpoint-{step}", deepspeed=True)

    again = Run(config, workdir=tmp_path, mode="subprocess", resume=True).start()
    assert again.wait(timeout=300) == "finished", again.error
    assert [m["step"] for m in again.metrics if m["step"] > step] == list(range(step + 1, STEPS + 1))
    assert "resuming at step " + str(step) in (tmp_path / "run" / "train.log").read_text()
    _assert_whole(RunDirectory(tmp_path / "run").last_checkpoint(), deepspeed=True)
    _assert_loads(tmp_path / "run", demo["model"])


def test_zero3_offload_kill_9_of_one_rank_fails_clearly_keeps_the_checkpoint_and_resumes(demo, tmp_path):
    _config(demo, tmp_path, distributed_backend="deepspeed", deepspeed_stage=3, deepspeed_offload_optimizer=True,
            deepspeed_offload_params=True)
    run_dir = tmp_path / "run"
    process = subprocess.Popen(_command(tmp_path), start_new_session=True, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: list(run_dir.glob("checkpoint-*")) or process.poll() is not None)
    victim = _rank_pid(run_dir, 1)
    assert victim is not None, "rank 1 not found"
    os.kill(victim, signal.SIGKILL)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 1
    rundir = RunDirectory(run_dir)
    status = rundir.status()
    last = rundir.last_checkpoint()
    expected = (f"rank 1 was killed by SIGKILL (kill -9, or the out-of-memory killer); the other ranks were stopped; "
                f"the last checkpoint ({last.name}) is kept: resume with --resume")
    assert status["state"] == "failed" and status["error"] == expected
    assert f"error: training failed: {expected}" in err
    _assert_whole(last, deepspeed=True)  # ZeRO-3: the gathered 16-bit weights are in the checkpoint too
    _resume_and_finish(tmp_path, demo["model"], deepspeed=True)


def test_zero3_lora_adapter_is_saved_whole_and_merged(demo, tmp_path, capfd):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    _config(demo, tmp_path, distributed_backend="deepspeed", deepspeed_stage=3, peft=True, merge_adapter=True,
            lr=1e-2, max_steps=3)
    with _holding(29500):  # another run on this machine holds torch's default port: this one picks a free one
        code = main(_command(tmp_path)[3:])
    assert code == 0, capfd.readouterr().err[-3000:] + (tmp_path / "run" / "train.log").read_text()[-3000:]
    run_dir = tmp_path / "run"
    assert (run_dir / "checkpoint-3" / "adapter_model.safetensors").is_file()
    assert {"rng_state_0.pth", "rng_state_1.pth"} <= {p.name for p in (run_dir / "checkpoint-3").iterdir()}
    merged = AutoModelForCausalLM.from_pretrained(run_dir)
    adapted = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(demo["model"]), run_dir / "adapter")
    tokens = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.no_grad():  # the adapter ZeRO-3 gathered is the trained one: applied, it gives the merged model
        assert torch.allclose(adapted(tokens).logits, merged(tokens).logits, atol=1e-4)
    _assert_loads(run_dir, demo["model"])
