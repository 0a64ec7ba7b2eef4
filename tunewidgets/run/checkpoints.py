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

from ..errors import TunewidgetsError

STAGING_PREFIX = ".tmp-checkpoint-"


class CheckpointError(TunewidgetsError):
    """A checkpoint could not be written (the run fails; the previous checkpoint is kept)."""

    exit_code = 1


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
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise CheckpointError(
                f"writing checkpoint-{step} failed ({exc.strerror or exc}): free disk space or check permissions "
                "of the run directory; the previous checkpoint is kept"
            ) from exc
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
