"""Several processes through ``accelerate launch``: configs generated from the params.

The accelerate config (and for DeepSpeed a DeepSpeed JSON) is written into the
run directory, so a user can rerun the same launch by hand:

    accelerate launch --config_file <run>/accelerate.yaml -m tunewidgets train <run>/config.yml --launched

The launching process also keeps the run whole across ranks: a Stop (Ctrl-C, the
app's Stop) becomes a request file that rank 0 reads at the next step, so every
rank stops at the same step and checkpoints, however long that takes (accelerate's
agent, signalled, would kill the ranks after 30 s); and when the launch fails, it
writes the real cause into status.json: the error of the rank that failed first,
or the rank that was killed, not the "connection closed" the other ranks then see.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path

import yaml

from ..config.run_config import RunConfig
from ..errors import ConfigError
from . import slots

ACCELERATE_FILE = "accelerate.yaml"
DEEPSPEED_FILE = "deepspeed.json"
STOP_FILE = ".stop-request"  # the launcher asks rank 0 to stop the run at the next step
REPORTS_ENV = "TUNEWIDGETS_RANK_REPORTS"  # a folder where each rank that fails writes its error


def needs_launch(config: RunConfig) -> bool:
    """True when the params ask for more than one process or a sharding engine."""
    params = config.params
    return bool(getattr(params, "is_distributed", False))


def process_rank() -> int:
    """This process's global rank (0 without a launcher)."""
    for name in ("RANK", "PMI_RANK", "OMPI_COMM_WORLD_RANK"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return 0


def is_main_process() -> bool:
    return process_rank() == 0


def inside_launcher() -> bool:
    """True inside a process started by accelerate/torchrun (WORLD_SIZE is set)."""
    return os.environ.get("WORLD_SIZE", "").isdigit() and "LOCAL_RANK" in os.environ


def _cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        return False


def check_launchable(config: RunConfig) -> None:
    """Refuse, before anything starts, a launch that cannot run on this machine."""
    p = config.params
    if getattr(p, "distributed_backend", None) == "fsdp" and not _cuda_available():
        raise ConfigError(
            "params.distributed_backend: fsdp needs CUDA GPUs (accelerate runs FSDP only on an accelerator, and "
            "none was found here). On CPU use distributed_backend: ddp, or deepspeed with deepspeed_stage: 3, "
            "which shards parameters, gradients and optimizer state as FSDP FULL_SHARD does")


def check_resumable(config: RunConfig, checkpoint: Path | None) -> None:
    """DeepSpeed ZeRO and FSDP keep one shard of the optimizer state per rank: their checkpoint resumes with
    as many processes as wrote it (DeepSpeed would refuse only after the launch, in every rank's log)."""
    p = config.params
    if checkpoint is None or getattr(p, "distributed_backend", None) not in ("deepspeed", "fsdp"):
        return
    writers = len(list(Path(checkpoint).glob("rng_state_*.pth"))) or 1  # one per rank (rng_state.pth: one)
    if writers != p.world_processes:
        raise ConfigError(
            f"{Path(checkpoint).name} was written by {writers} processes and {p.distributed_backend} keeps one shard "
            f"per process: resume with {writers} processes (--num-processes {writers}), not {p.world_processes}")


def deepspeed_config(config: RunConfig, use_cpu: bool = False) -> dict:
    """A DeepSpeed JSON whose batch and precision values defer to the Trainer ("auto").

    On CPU an offloaded optimizer stays torch's AdamW: offloading to CPU from CPU moves nothing, and
    DeepSpeedCPUAdam, which DeepSpeed otherwise insists on, is a C++ build of minutes on first use."""
    p = config.params
    zero: dict = {
        "stage": p.deepspeed_stage,
        "overlap_comm": True,
        "contiguous_gradients": True,
        "reduce_bucket_size": "auto",
    }
    if p.deepspeed_stage == 3:
        zero.update({
            "stage3_prefetch_bucket_size": "auto",
            "stage3_param_persistence_threshold": "auto",
            "stage3_gather_16bit_weights_on_model_save": True,
        })
    if p.deepspeed_offload_optimizer:
        zero["offload_optimizer"] = {"device": "cpu", "pin_memory": True}
    if p.deepspeed_offload_params:
        zero["offload_param"] = {"device": "cpu", "pin_memory": True}
    data: dict = {
        "train_micro_batch_size_per_gpu": "auto",
        "train_batch_size": "auto",
        "gradient_accumulation_steps": "auto",
        "gradient_clipping": "auto",
        "fp16": {"enabled": "auto"},
        "bf16": {"enabled": "auto"},
        "zero_optimization": zero,
    }
    if use_cpu and p.deepspeed_offload_optimizer:
        data["zero_force_ds_cpu_optimizer"] = False
    return data


MULTI_NODE_PORT = 29500  # torch's default rendezvous port: what the other machines expect when none is given


def main_port(params) -> int:
    """The rendezvous port: the one asked for; else, on one machine, a free one, so two runs on a shared machine
    (two users, or a sweep beside a run) never meet on 29500 and fail with "address already in use"."""
    if params.main_process_port:
        return params.main_process_port
    if params.num_machines > 1:
        return MULTI_NODE_PORT
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def accelerate_config(config: RunConfig, run_dir: Path, use_cpu: bool | None = None) -> dict:
    """An accelerate config file's content for the params."""
    p = config.params
    cpu = (not _cuda_available()) if use_cpu is None else use_cpu
    backend = p.distributed_backend or "ddp"
    data: dict = {
        "compute_environment": "LOCAL_MACHINE",
        "num_processes": p.world_processes,
        "num_machines": p.num_machines,
        "machine_rank": p.machine_rank,
        "main_training_function": "main",
        "mixed_precision": "no" if cpu else (p.mixed_precision or "no"),
        "use_cpu": cpu,
        "rdzv_backend": "static",
        "same_network": True,
        "main_process_port": main_port(p),
        "downcast_bf16": "no",
        "debug": False,
    }
    if p.main_process_ip:
        data["main_process_ip"] = p.main_process_ip
    if backend == "deepspeed":
        data.pop("mixed_precision")  # with a DeepSpeed file, precision lives there ("auto": the Trainer's)
        data["distributed_type"] = "DEEPSPEED"
        data["deepspeed_config"] = {
            "deepspeed_config_file": str(Path(run_dir) / DEEPSPEED_FILE),
            "zero3_init_flag": p.deepspeed_stage == 3,
        }
    elif backend == "fsdp":
        data["distributed_type"] = "FSDP"
        data["fsdp_config"] = {
            "fsdp_version": 1,
            "fsdp_sharding_strategy": p.fsdp_sharding_strategy,
            "fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "fsdp_backward_prefetch": "BACKWARD_PRE",
            "fsdp_state_dict_type": "SHARDED_STATE_DICT",
            "fsdp_offload_params": False,
            "fsdp_sync_module_states": True,
            "fsdp_use_orig_params": True,
            "fsdp_cpu_ram_efficient_loading": True,
        }
    else:
        # MULTI_GPU even on CPU: accelerate runs a MULTI_CPU config as ONE process (its several-process CPU launch
        # needs mpirun); MULTI_GPU starts one process per rank (torchrun) and use_cpu makes them gloo CPU ranks.
        data["distributed_type"] = "MULTI_GPU"
    return data


def write_launch_files(config: RunConfig, run_dir: Path) -> Path:
    """Write accelerate.yaml (and deepspeed.json) into the run directory; returns the accelerate file."""
    run_dir = Path(run_dir)
    data = accelerate_config(config, run_dir)
    if config.params.distributed_backend == "deepspeed":
        text = json.dumps(deepspeed_config(config, use_cpu=data["use_cpu"]), indent=2)
        (run_dir / DEEPSPEED_FILE).write_text(text)
    path = run_dir / ACCELERATE_FILE
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def launch_command(run_dir: Path, workdir: Path, config_path: Path | None = None) -> list[str]:
    """The ``accelerate launch`` command that trains the run directory's config on every rank."""
    run_dir = Path(run_dir)
    return [
        sys.executable, "-m", "accelerate.commands.launch",
        "--config_file", str(run_dir / ACCELERATE_FILE),
        "-m", "tunewidgets", "train", str(config_path or run_dir / "config.yml"),
        "--workdir", str(workdir), "--launched", "--quiet",
    ]


def shell_command(config_path: str, num_processes: int) -> str:
    """What the app shows as the CLI command for a run."""
    extra = f" --num-processes {num_processes}" if num_processes > 1 else ""
    return f"tunewidgets train {config_path}{extra}"


def run_launched(config: RunConfig, workdir: Path, *, overwrite: bool = False, resume: bool = False,
                 on_start=None) -> int:
    """Prepare the run directory, write the launch files and run ``accelerate launch``; returns its exit code.

    The directory is locked and prepared once here (refusing to overwrite an earlier run), and a served
    dashboard's training slot taken, so the ranks only train; rank 0 writes metrics and status.
    """
    from .lock import RunLock
    from .rundir import RunDirectory

    check_launchable(config)
    token = config.hub_token
    rundir = RunDirectory(Path(workdir) / config.project_name, redact=[token] if token else None)
    with RunLock(rundir.path) as lock:
        slot = slots.take(config.project_name, on_wait=lambda text: print(f"note: {text}", file=sys.stderr),
                          should_stop=lambda: False)
        try:
            rundir.prepare(resume=resume, overwrite=overwrite)
            check_resumable(config, _resume_target(config, rundir, resume))
            if lock.note:
                rundir.log(f"note: {lock.note}")
            return _launch(config, rundir, workdir, resume=resume, token=token, on_start=on_start)
        finally:
            if slot is not None:
                slot.release()


def _resume_target(config: RunConfig, rundir, resume: bool) -> Path | None:
    target = config.params.resume_from_checkpoint
    if target and target != "auto":
        return Path(target) if Path(target).is_dir() else None
    return rundir.last_checkpoint() if resume or target == "auto" else None


def _launch(config: RunConfig, rundir, workdir: Path, *, resume: bool, token: str | None, on_start) -> int:
    """Write the config and launch files into the prepared directory, then run the launch to its end."""
    import subprocess
    import tempfile

    from ..config.loader import dump_config

    rundir.write_config_text(dump_config(config))
    write_launch_files(config, rundir.path)
    rundir.write_status("pending", mode="launch", processes=config.params.world_processes, task=config.task)
    command = launch_command(rundir.path, Path(workdir))
    if resume:
        command.append("--resume")
    (rundir.path / STOP_FILE).unlink(missing_ok=True)  # a stale request would stop this run at its first step
    with tempfile.TemporaryDirectory(prefix="tunewidgets-ranks-") as reports:
        env = dict(os.environ, **{REPORTS_ENV: reports})
        # The agent ignores Ctrl-C (the launcher turns it into a stop request); SIGTERM still ends it.
        env["PET_SIGNALS_TO_HANDLE"] = "SIGTERM,SIGHUP,SIGQUIT"  # torchrun's --signals-to-handle
        if token:
            env["HF_TOKEN"] = token  # config.yml says ${HF_TOKEN}; the ranks read it from here
        rundir.log("launching: " + " ".join(command[1:]))
        with _ignoring_sigint():
            process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
            tail = _StderrTail(process.stderr)
            with _stop_on_interrupt(process, rundir) as interrupted:  # from the first moment: no Ctrl-C is lost
                if on_start:
                    on_start(process)
                code = process.wait()
        tail.join(5)
        (rundir.path / STOP_FILE).unlink(missing_ok=True)
        if code != 0:
            settle_failure(rundir, code, read_reports(Path(reports)), killed_ranks("".join(tail.lines)),
                           interrupted=interrupted["aborted"])
    return code


# --------------------------------------------------------------------------- stop requests


def request_stop(run_dir: Path) -> None:
    """Ask a launched run to stop at its next step (rank 0 reads the file; every rank then stops)."""
    (Path(run_dir) / STOP_FILE).write_text(str(time.time()))


def take_stop_request(run_dir: Path) -> bool:
    """Whether a stop was asked for (the request is consumed: rank 0 passes it on to every rank)."""
    path = Path(run_dir) / STOP_FILE
    if not path.exists():
        return False
    path.unlink(missing_ok=True)
    return True


@contextmanager
def _ignoring_sigint():
    """SIGINT ignored while the agent starts: it inherits that, and PET_SIGNALS_TO_HANDLE keeps it so."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _stop_on_interrupt(process, rundir):
    """While the launch runs: Ctrl-C (or the app's Stop) asks for a stop with a checkpoint; a second one, or
    SIGTERM, ends the ranks at once (the agent stops them). Yields {"aborted": bool}."""
    state = {"count": 0, "aborted": False}

    def handle(signum, frame):
        state["count"] += 1
        if signum == signal.SIGINT and state["count"] == 1:
            request_stop(rundir.path)
            rundir.log("stop requested: every rank stops at the next step and saves a checkpoint")
            print("\ninterrupted: the ranks stop at the next step and save a checkpoint (Ctrl-C again to abort)",
                  file=sys.stderr)
            return
        state["aborted"] = True
        process.terminate()  # the agent sends SIGTERM to every rank

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield state
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --------------------------------------------------------------------------- failures across ranks


_PEER_LOST = ("connection reset by peer", "connection closed by peer", "broken pipe", "/gloo/", "nccl",
              "distbackenderror", "distnetworkerror", "timed out", "socket timeout")


def record_rank_failure(error: str) -> None:
    """A launched rank that fails leaves its error for the launcher (no-op outside a launch)."""
    folder = os.environ.get(REPORTS_ENV)
    if not folder or not Path(folder).is_dir():
        return
    rank = process_rank()
    record = {"rank": rank, "error": error, "time": time.time(),
              "peer_lost": any(marker in error.lower() for marker in _PEER_LOST)}
    Path(folder, f"rank-{rank}.json").write_text(json.dumps(record))


def read_reports(folder: Path) -> list[dict]:
    """The failed ranks' records, earliest first."""
    records = []
    for path in Path(folder).glob("rank-*.json"):
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError):
            continue
    return sorted(records, key=lambda r: r.get("time", 0))


_FAILURE_RE = re.compile(r"rank\s*:\s*(\d+)\s*\(local_rank:\s*\d+\)\s*\n\s*exitcode\s*:\s*(-?\d+)")


def killed_ranks(report: str) -> dict[int, str]:
    """Ranks that a signal ended, from the agent's failure report ({rank: signal name}); SIGTERM and SIGINT are
    the agent's own shutdown of the other ranks, not a cause."""
    killed = {}
    for rank, code in _FAILURE_RE.findall(report):
        number = -int(code)
        if number > 0 and number not in (signal.SIGTERM, signal.SIGINT):
            try:
                killed[int(rank)] = signal.Signals(number).name
            except ValueError:
                killed[int(rank)] = f"signal {number}"
    return killed


def failure_cause(code: int, reports: list[dict], killed: dict[int, str], interrupted: bool = False) -> str:
    """The one-line cause of a failed launch: a rank's own error first, then a rank a signal killed, then what
    the ranks saw of it (a lost connection), else the exit code."""
    if interrupted:
        return "interrupted: the ranks were ended at once (a second Ctrl-C or SIGTERM), without a stop checkpoint"
    own = [r for r in reports if not r.get("peer_lost")]
    if own:
        return _on_rank(own[0])
    if killed:
        rank, name = sorted(killed.items())[0]
        how = " (kill -9, or the out-of-memory killer)" if name == "SIGKILL" else ""
        return f"rank {rank} was killed by {name}{how}; the other ranks were stopped"
    if reports:
        return _on_rank(reports[0])
    return f"accelerate launch exited with code {code}"


def _on_rank(record: dict) -> str:
    return f"rank {record.get('rank', '?')}: {record.get('error', 'failed')}"


def settle_failure(rundir, code: int, reports: list[dict], killed: dict[int, str], interrupted: bool = False) -> None:
    """After a failed launch: status.json says failed with the real cause (rank 0 may have died before saying
    anything, or said only that a peer went away), and where the run can resume from."""
    status = rundir.read_status() or {}
    if status.get("state") in ("finished", "stopped"):
        return  # the ranks finished their work; an exit code from the teardown changes nothing
    if status.get("state") == "failed" and not reports and not killed and not interrupted:
        return  # rank 0 said why and no rank says otherwise
    cause = failure_cause(code, reports, killed, interrupted)
    last = rundir.last_checkpoint()
    keep = (f"; the last checkpoint ({last.name}) is kept: resume with --resume" if last is not None
            else "; no checkpoint was saved")
    rundir.write_status("failed", error=cause + keep, ended=time.time())
    rundir.log(f"failed: {cause}{keep}")


class _StderrTail(threading.Thread):
    """Copies the launch's stderr through and keeps its tail (the agent's failure report is read from it)."""

    def __init__(self, stream, keep: int = 400):
        super().__init__(name="tunewidgets-launch-stderr", daemon=True)
        self.stream = stream
        self.lines: deque[str] = deque(maxlen=keep)
        self.start()

    def run(self) -> None:
        for raw in iter(self.stream.readline, b""):
            line = raw.decode("utf-8", "replace")
            self.lines.append(line)
            try:
                sys.stderr.write(line)
                sys.stderr.flush()
            except (OSError, ValueError):  # stderr closed: keep reading, or the ranks would block on the pipe
                pass
