"""Safe checkpoints: written under a temporary name and renamed, never with NaN weights.

transformers writes ``checkpoint-N`` in place, so a kill or a full disk in the
middle leaves a half-written folder that resume would pick. Here the Trainer
writes into a staging folder and the finished checkpoint is renamed into place;
the previous checkpoint stays until the new one is complete.

Under several processes every rank writes into the same staging folder (DeepSpeed
and FSDP write one shard per rank): rank 0 alone creates it, every rank waits for
the others to finish writing, rank 0 alone renames and rotates, and every rank
waits again so that none looks for the checkpoint before it is in place. A rank
whose write fails raises at once: its process ends, the launcher stops the others
and reports that rank's error (run/launch.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import TunewidgetsError, disk_full, summary

STAGING_PREFIX = ".tmp-checkpoint-"


class CheckpointError(TunewidgetsError):
    """A checkpoint could not be written (the run fails; the previous checkpoint is kept)."""

    exit_code = 1


def checkpoint_error(what: str, folder: str | Path, exc: BaseException) -> CheckpointError:
    """The message for a failed write: a full disk says so and where; anything else gives its real cause."""
    if disk_full(exc, folder):
        return CheckpointError(f"the disk is full: {what} in {folder} failed; nothing half-written is kept and the "
                               "last checkpoint still loads: free space there, then resume (--resume) to continue")
    detail = getattr(exc, "strerror", None) or summary(exc)
    return CheckpointError(f"{what} in {folder} failed ({type(exc).__name__}: {detail}); the previous checkpoint is "
                           "kept")


def weights_are_finite(model) -> bool:
    """False when any parameter holds NaN or infinity (such weights are not worth saving).

    Under DeepSpeed ZeRO-3 a parameter is an empty placeholder and its values live in this rank's
    partition (``ds_tensor``): that partition is what is checked (ranks agree through :func:`all_ranks`)."""
    if not hasattr(model, "parameters"):  # e.g. a scikit-learn pipeline
        return True
    import torch

    with torch.no_grad():
        return all(bool(torch.isfinite(values).all()) for values in map(_local_values, model.parameters())
                   if values.is_floating_point())


def _local_values(param):
    partition = getattr(param, "ds_tensor", None)
    return partition if partition is not None else param


def rank_barrier(trainer):
    """Every rank waits here (several processes), or None (one)."""
    args = getattr(trainer, "args", None)
    accelerator = getattr(trainer, "accelerator", None)
    if accelerator is None or getattr(args, "world_size", 1) <= 1:
        return None
    return accelerator.wait_for_everyone


def all_ranks(flag: bool, trainer) -> bool:
    """True on every rank only when it is true on every rank (one process: the flag itself)."""
    from .callbacks import any_rank

    args = getattr(trainer, "args", None)
    if getattr(args, "world_size", 1) <= 1:
        return flag
    return not any_rank(not flag, args.device)


def clean_staging(run_dir: Path) -> None:
    """Remove staging folders a killed run left behind."""
    for child in Path(run_dir).glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(child, ignore_errors=True)


def make_checkpoints_atomic(trainer, log=lambda text: None, check_finite: bool = True) -> None:
    """Wrap ``trainer._save_checkpoint`` so checkpoints appear whole or not at all, on one rank or many."""
    original = trainer._save_checkpoint

    def save(model, trial=None, *args, **kwargs):
        step = trainer.state.global_step
        if check_finite and not all_ranks(weights_are_finite(trainer.model), trainer):
            log(f"not saving checkpoint-{step}: the weights hold NaN or infinity")
            return
        barrier = rank_barrier(trainer) or (lambda: None)
        main = trainer.args.should_save  # rank 0: the one that creates, renames and rotates
        real = trainer.args.output_dir
        staging = os.path.join(real, f"{STAGING_PREFIX}{step}")
        if main:
            _fresh_folder(staging, f"writing checkpoint-{step}", real)
        try:
            barrier()  # the staging folder exists before any rank writes into it
            trainer.args.output_dir = staging
            try:
                original(model, trial, *args, **kwargs)
            finally:
                trainer.args.output_dir = real
            barrier()  # every rank has written its part (a rank that failed ends this wait with an error)
        except Exception as exc:
            if main:
                shutil.rmtree(staging, ignore_errors=True)
            raise checkpoint_error(f"writing checkpoint-{step}", real, exc) from exc
        _point_best_at(trainer, staging, real)
        if main:
            _publish(trainer, staging, real, step)
        barrier()  # the checkpoint is in place for every rank

    trainer._save_checkpoint = save


def _fresh_folder(folder: str, what: str, where: str) -> None:
    try:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
    except OSError as exc:
        raise checkpoint_error(what, where, exc) from exc


def _publish(trainer, staging: str, real: str, step: int) -> None:
    """Rename the finished checkpoint into place and rotate the old ones (rank 0)."""
    from transformers.trainer_utils import rotate_checkpoints

    source = os.path.join(staging, f"checkpoint-{step}")
    target = os.path.join(real, f"checkpoint-{step}")
    try:
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.replace(source, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise checkpoint_error(f"writing checkpoint-{step}", real, exc) from exc
    shutil.rmtree(staging, ignore_errors=True)
    rotate_checkpoints(output_dir=real, save_total_limit=trainer.args.save_total_limit,
                       best_model_checkpoint=trainer.state.best_model_checkpoint, use_mtime=False)


def _point_best_at(trainer, staging: str, real: str) -> None:
    """The Trainer recorded the staging path as the best checkpoint: point at the real one."""
    best = trainer.state.best_model_checkpoint
    if best and best.startswith(staging):
        trainer.state.best_model_checkpoint = os.path.join(real, os.path.basename(best))


FINAL_STAGING = ".tmp-final-model"


def gather_for_final_save(trainer) -> None:
    """FSDP checkpoints keep one shard per rank (SHARDED_STATE_DICT, resumable), but with that setting
    ``trainer.save_model`` writes no weights at all: the final model is gathered whole instead."""
    plugin = getattr(getattr(getattr(trainer, "accelerator", None), "state", None), "fsdp_plugin", None)
    if getattr(trainer, "is_fsdp_enabled", False) and plugin is not None:
        plugin.set_state_dict_type("FULL_STATE_DICT")


def save_final(save, run_dir: Path, *, writer: bool = True, barrier=None) -> None:
    """``save(folder)`` into a staging folder, then move what it wrote into ``run_dir``: a failed final save
    (a full disk) leaves no half-written model beside the checkpoints. ``barrier`` makes every rank finish
    writing before the move (one rank moves)."""
    run_dir = Path(run_dir)
    staging = run_dir / FINAL_STAGING
    if writer:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
    if barrier is not None:
        barrier()
    try:
        save(staging)
    except TunewidgetsError as exc:  # e.g. a merge that failed after the adapter was written: keep what was saved
        if disk_full(exc, run_dir):
            if writer:
                shutil.rmtree(staging, ignore_errors=True)
            raise checkpoint_error("saving the final model", run_dir, exc) from exc
        if writer:
            _move_into(staging, run_dir)
        raise type(exc)(str(exc).replace(str(staging), str(run_dir))) from exc
    except Exception as exc:
        if writer:
            shutil.rmtree(staging, ignore_errors=True)
        raise checkpoint_error("saving the final model", run_dir, exc) from exc
    if barrier is not None:
        barrier()
    if writer:
        _move_into(staging, run_dir)


def _move_into(staging: Path, run_dir: Path) -> None:
    for item in staging.iterdir():
        target = run_dir / item.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(item, target)
    staging.rmdir()
