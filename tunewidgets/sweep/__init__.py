"""Hyperparameter sweeps with Optuna (the ``sweep`` extra): ``tunewidgets sweep CONFIG`` and the app's Sweep panel.

Light on import: optuna and the training stack load when a sweep starts.
"""

from __future__ import annotations


def __getattr__(name: str):
    if name == "Sweep":
        from .runner import Sweep

        return Sweep
    raise AttributeError(f"module 'tunewidgets.sweep' has no attribute {name!r}")


__all__ = ["Sweep"]
