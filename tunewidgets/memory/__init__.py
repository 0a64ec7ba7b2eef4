"""Will it fit? Training memory estimated from a model's config.json alone, before any weight loads.

``estimate(config)`` builds the model on the meta device, counts what each part of training keeps in
memory (weights, gradients, optimizer states, activations) and says whether it fits a GPU. The formulas
live in ``formulas`` with their sources; ``gpus`` is the table of common cards.
"""

from __future__ import annotations

from .gpus import GPUS, gpu_named

__all__ = ["GPUS", "gpu_named", "estimate"]


def estimate(*args, **kwargs):
    """See ``tunewidgets.memory.estimate.estimate`` (imported on call: it needs transformers)."""
    from .estimate import estimate as _estimate

    return _estimate(*args, **kwargs)
