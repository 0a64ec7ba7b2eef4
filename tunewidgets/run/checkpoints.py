"""Safe checkpoints: written under a temporary name and renamed, never with NaN weights.

transformers writes ``checkpoint-N`` in place, so a kill or a full disk in the
middle leaves a half-written folder that resume would pick. Here the Trainer
writes into a staging folder and the finished checkpoint is renamed into place;
the previous checkpoint stays until the new one is complete.
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
    """False when any parameter holds NaN or infinity (such weights are not worth saving)."""
    if not hasattr(model, "parameters"):  # e.g. a scikit-learn pipeline
        return True
    import torch

    with torch.no_grad():
        return all(bool(torch.isfinite(p).all()) for p in model.parameters() if p.is_floating_point())


def clean_staging(run_dir: Path) -> None:
    """Remove staging folders a killed run left behind."""
    for child in Path(run_dir).glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(child, ignore_errors=True)


def make_checkpoints_atomic(trainer, log=lambda text: None, check_finite: bool = True) -> None:
    """Wrap ``trainer._save_checkpoint`` so checkpoints appear whole or not at all."""
    from transformers.trainer_utils import rotate_checkpoints

    original = trainer._save_checkpoint

    def save(model, trial=None, *args, **kwargs):
        step = trainer.state.global_step
        if check_finite and not weights_are_finite(trainer.model):
            log(f"not saving checkpoint-{step}: the weights hold NaN or infinity")
            return
        real = trainer.args.output_dir
        staging = os.path.join(real, f"{STAGING_PREFIX}{step}")
        shutil.rmtree(staging, ignore_errors=True)
        trainer.args.output_dir = staging
        try:
            original(model, trial, *args, **kwargs)
        except Exception as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise checkpoint_error(f"writing checkpoint-{step}", real, exc) from exc
        finally:
            trainer.args.output_dir = real
        source = os.path.join(staging, f"checkpoint-{step}")
        target = os.path.join(real, f"checkpoint-{step}")
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.replace(source, target)
        shutil.rmtree(staging, ignore_errors=True)
        best = trainer.state.best_model_checkpoint
        if best and best.startswith(staging):  # the Trainer recorded the staging path: point at the real one
            trainer.state.best_model_checkpoint = os.path.join(real, os.path.basename(best))
            best = trainer.state.best_model_checkpoint
        if trainer.args.should_save:
            rotate_checkpoints(output_dir=real, save_total_limit=trainer.args.save_total_limit,
                               best_model_checkpoint=best, use_mtime=False)

    trainer._save_checkpoint = save


FINAL_STAGING = ".tmp-final-model"


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
