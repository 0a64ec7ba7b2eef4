"""Checkpoints that hold across ranks, with two real gloo processes (torchrun) and a trainer that writes one shard
per rank, as DeepSpeed and FSDP do: the folder appears whole on every rank, and a rank whose write fails says why.

This file is also the ranks' program: ``torchrun --nproc_per_node 2 <this file> <folder>``.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest


class ShardingTrainer:
    """What make_checkpoints_atomic uses of a transformers Trainer; every rank writes its own shard into
    ``<output_dir>/checkpoint-N`` (creating it, as DeepSpeed's save_checkpoint does), rank 1 later than rank 0."""

    def __init__(self, output_dir: str, rank: int, world: int, fail_at: int | None = None):
        import torch
        import torch.distributed as dist

        self.rank = rank
        self.fail_at = fail_at
        self.args = SimpleNamespace(output_dir=output_dir, should_save=rank == 0, world_size=world, device="cpu",
                                    save_total_limit=1)
        self.state = SimpleNamespace(global_step=0, best_model_checkpoint=None)
        self.model = torch.nn.Linear(2, 2)
        self.accelerator = SimpleNamespace(wait_for_everyone=dist.barrier)

    def _save_checkpoint(self, model, trial=None):
        folder = Path(self.args.output_dir) / f"checkpoint-{self.state.global_step}"
        folder.mkdir(parents=True, exist_ok=True)
        time.sleep(0.3 * self.rank)
        if self.state.global_step == self.fail_at:
            raise PermissionError(errno.EACCES, "Permission denied", str(folder / f"shard-{self.rank}.pt"))
        (folder / f"shard-{self.rank}.pt").write_text(str(self.state.global_step))


def _rank_main(out: str) -> None:
    """One rank: two checkpoints that every rank sees whole, then a third that rank 1 fails to write."""
    import torch.distributed as dist

    from tunewidgets.run.checkpoints import CheckpointError, make_checkpoints_atomic

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    trainer = ShardingTrainer(out, rank, world, fail_at=9 if rank == 1 else None)
    make_checkpoints_atomic(trainer)
    seen = {}
    for step in (3, 6):
        trainer.state.global_step = step
        trainer._save_checkpoint(trainer.model)
        seen[step] = sorted(p.name for p in Path(out).iterdir())
        seen[f"{step}-files"] = sorted(p.name for p in (Path(out) / f"checkpoint-{step}").iterdir())
    trainer.state.global_step = 9
    try:
        trainer._save_checkpoint(trainer.model)
        seen["error"] = None
    except CheckpointError as exc:  # rank 1: its own cause
        seen["error"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - rank 0: rank 1 left the barrier by ending its process
        seen["error"] = f"{type(exc).__name__}: {exc}"
    seen["after"] = sorted(p.name for p in Path(out).iterdir())
    Path(out, f"rank-{rank}.json").write_text(json.dumps(seen))
    os._exit(0)  # rank 1 leaves without the collective teardown, as a failed rank's process does


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_a_checkpoint_is_whole_on_every_rank_and_a_failed_rank_says_why(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port",
               str(_free_port()), __file__, str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180,
                          env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2])))
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads((out / f"rank-{rank}.json").read_text()) for rank in (0, 1)]
    for seen in ranks:  # right after each call, on both ranks: the finished folder, both shards, no staging
        assert [n for n in seen["3"] if not n.startswith("rank-")] == ["checkpoint-3"]
        assert seen["3-files"] == ["shard-0.pt", "shard-1.pt"]
        assert [n for n in seen["6"] if not n.startswith("rank-")] == ["checkpoint-6"]  # checkpoint-3 rotated
        assert seen["6-files"] == ["shard-0.pt", "shard-1.pt"]
    # rank 1 failed writing checkpoint-9: it says so with its real cause; nothing half-written was published
    assert "writing checkpoint-9" in ranks[1]["error"] and "PermissionError: Permission denied" in ranks[1]["error"]
    # rank 0 did not go on as if the checkpoint were saved: waiting for rank 1, it saw rank 1 go
    assert ranks[0]["error"].startswith("writing checkpoint-9") and "Permission" not in ranks[0]["error"]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("rank-")) == ["checkpoint-6"]


if __name__ == "__main__":
    _rank_main(sys.argv[1])
