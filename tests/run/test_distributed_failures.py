"""Several processes, without launching any: the refusals made up front, and how the launcher names the cause of a
failed launch (the rank's own error, or the rank that was killed, not the lost connection the others then see)."""

from __future__ import annotations

import json

import pytest
import yaml

from tunewidgets.cli import main
from tunewidgets.config import load_config
from tunewidgets.errors import ConfigError
from tunewidgets.run import launch
from tunewidgets.run.rundir import RunDirectory

# What accelerate launch (torch elastic) printed when rank 1 was killed with kill -9 during a 2-process run.
AGENT_REPORT = """\
torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
=======================================================
tunewidgets FAILED
-------------------------------------------------------
Failures:
[1]:
  time      : 2026-12-02_02:25:54
  host      : localhost
  rank      : 0 (local_rank: 0)
  exitcode  : -15 (pid: 10540)  (SIGTERM)
  error_file: <N/A>
  traceback : Signal 15 (SIGTERM) received by PID 10540
-------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-02_02:25:54
  host      : localhost
  rank      : 1 (local_rank: 1)
  exitcode  : -9 (pid: 10541)  (SIGKILL)
  error_file: <N/A>
  traceback : Signal 9 (SIGKILL) received by PID 10541
=======================================================
"""
PEER_LOST = ("RuntimeError: [/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:537] Read error "
             "[127.0.0.1]:29587: Connection reset by peer.")


def _record(folder, rank: int, error: str, when: float, monkeypatch) -> None:
    monkeypatch.setenv(launch.REPORTS_ENV, str(folder))
    monkeypatch.setenv("RANK", str(rank))
    monkeypatch.setattr(launch.time, "time", lambda: when)
    launch.record_rank_failure(error)


def test_the_agent_report_names_the_killed_rank_not_the_ones_it_stopped():
    assert launch.killed_ranks(AGENT_REPORT) == {1: "SIGKILL"}  # rank 0's SIGTERM is the agent's shutdown
    assert launch.killed_ranks("no report at all") == {}


def test_a_rank_own_error_comes_before_the_lost_connection_the_others_saw(tmp_path, monkeypatch):
    _record(tmp_path, 0, PEER_LOST, 2.0, monkeypatch)
    _record(tmp_path, 1, "CheckpointError: writing checkpoint-6 in /r failed (PermissionError: Permission denied)",
            3.0, monkeypatch)
    reports = launch.read_reports(tmp_path)
    assert [r["rank"] for r in reports] == [0, 1] and reports[0]["peer_lost"] and not reports[1]["peer_lost"]
    cause = launch.failure_cause(1, reports, launch.killed_ranks(AGENT_REPORT))
    assert cause.startswith("rank 1: CheckpointError: writing checkpoint-6") and "Permission denied" in cause


def test_a_killed_rank_is_the_cause_when_no_rank_failed_on_its_own(tmp_path, monkeypatch):
    _record(tmp_path, 0, PEER_LOST, 2.0, monkeypatch)
    cause = launch.failure_cause(1, launch.read_reports(tmp_path), launch.killed_ranks(AGENT_REPORT))
    assert cause == ("rank 1 was killed by SIGKILL (kill -9, or the out-of-memory killer); the other ranks were "
                     "stopped")
    assert launch.failure_cause(1, launch.read_reports(tmp_path), {}).startswith("rank 0: RuntimeError")
    assert launch.failure_cause(7, [], {}) == "accelerate launch exited with code 7"


def test_outside_a_launch_a_failure_is_not_recorded(tmp_path, monkeypatch):
    monkeypatch.delenv(launch.REPORTS_ENV, raising=False)
    launch.record_rank_failure("boom")  # no folder to write into: nothing happens
    assert list(tmp_path.iterdir()) == []


def test_the_launcher_writes_the_cause_and_the_checkpoint_to_resume_from(tmp_path):
    rundir = RunDirectory(tmp_path / "run")
    rundir.prepare()
    (rundir.path / "checkpoint-3").mkdir()
    rundir.write_status("running", pid=123456789, step=4)  # rank 0 died without a word
    launch.settle_failure(rundir, 1, [], launch.killed_ranks(AGENT_REPORT))
    status = rundir.read_status()
    assert status["state"] == "failed" and status["step"] == 4
    assert status["error"].startswith("rank 1 was killed by SIGKILL")
    assert status["error"].endswith("the last checkpoint (checkpoint-3) is kept: resume with --resume")
    assert "failed: rank 1 was killed" in rundir.log_path.read_text()

    rundir.write_status("stopped", step=4)  # the ranks finished their work: a teardown exit code changes nothing
    launch.settle_failure(rundir, 1, [], {1: "SIGKILL"})
    assert rundir.read_status()["state"] == "stopped"


def test_a_stop_request_is_taken_once(tmp_path):
    assert not launch.take_stop_request(tmp_path)
    launch.request_stop(tmp_path)
    assert launch.take_stop_request(tmp_path)
    assert not launch.take_stop_request(tmp_path)  # consumed: rank 0 passed it on to every rank


def test_cpu_ddp_launches_one_process_per_rank(tmp_path):
    # accelerate runs a MULTI_CPU config as one process; MULTI_GPU with use_cpu starts every rank (gloo on CPU)
    data = launch.accelerate_config(load_config({"task": "llm-sft", "base_model": "m",
                                                 "params": {"num_processes": 2}}), tmp_path, use_cpu=True)
    assert (data["distributed_type"], data["use_cpu"], data["num_processes"]) == ("MULTI_GPU", True, 2)


def test_zero3_weights_are_checked_in_this_rank_partition():
    torch = pytest.importorskip("torch")
    from tunewidgets.run.checkpoints import weights_are_finite

    model = torch.nn.Linear(4, 4)
    for param in model.parameters():  # as ZeRO-3 leaves them: an empty placeholder, the values in ds_tensor
        param.data = torch.empty(0)
        param.ds_tensor = torch.ones(8)
    assert weights_are_finite(model)
    model.weight.ds_tensor[3] = float("nan")
    assert not weights_are_finite(model)


def _fsdp_config(tmp_path) -> str:
    path = tmp_path / "cfg.yml"
    path.write_text(yaml.safe_dump({"task": "llm-sft", "base_model": "m", "project_name": "run",
                                    "data": {"path": "d", "column_mapping": {"text_column": "text"}},
                                    "params": {"distributed_backend": "fsdp"}}))
    return str(path)


def test_fsdp_without_a_gpu_is_refused_before_launching(tmp_path, capsys):
    pytest.importorskip("torch")
    import torch

    if torch.cuda.is_available():
        pytest.skip("FSDP runs here: this checks the refusal on a machine without CUDA")
    config = _fsdp_config(tmp_path)
    assert main(["train", config, "--workdir", str(tmp_path), "--num-processes", "2"]) == 2
    err = capsys.readouterr().err
    assert "fsdp needs CUDA GPUs" in err and "distributed_backend: ddp" in err and "deepspeed_stage: 3" in err
    assert not (tmp_path / "run").exists()  # refused before anything was written
    from tunewidgets.run.engine import Run

    with pytest.raises(ConfigError, match="fsdp needs CUDA GPUs"):  # the app's subprocess mode refuses as well
        Run(config, workdir=tmp_path, mode="subprocess", overrides=["params.num_processes=2"]).start()
    assert not (tmp_path / "run").exists()


def test_reports_are_json_with_the_rank(tmp_path, monkeypatch):
    _record(tmp_path, 1, "ValueError: boom", 5.0, monkeypatch)
    assert json.loads((tmp_path / "rank-1.json").read_text()) == {"rank": 1, "error": "ValueError: boom",
                                                                  "time": 5.0, "peer_lost": False}


def test_a_sharded_checkpoint_resumes_only_with_as_many_processes(tmp_path):
    checkpoint = tmp_path / "checkpoint-6"
    checkpoint.mkdir()
    for rank in (0, 1):
        (checkpoint / f"rng_state_{rank}.pth").write_bytes(b"")
    zero = {"task": "llm-sft", "base_model": "m", "params": {"distributed_backend": "deepspeed"}}
    with pytest.raises(ConfigError, match=r"checkpoint-6 was written by 2 processes .* \(--num-processes 2\), not 4"):
        launch.check_resumable(load_config({**zero, "params": {**zero["params"], "num_processes": 4}}), checkpoint)
    launch.check_resumable(load_config({**zero, "params": {**zero["params"], "num_processes": 2}}), checkpoint)
    ddp = load_config({"task": "llm-sft", "base_model": "m", "params": {"num_processes": 4}})
    launch.check_resumable(ddp, checkpoint)  # DDP keeps whole copies: any number of processes resumes
    launch.check_resumable(load_config(zero), None)  # nothing to resume from: nothing to check
