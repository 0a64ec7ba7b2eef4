"""The notebook app: the only package that imports ipywidgets.

``from tunewidgets import TrainerApp`` loads it on first use; importing
``tunewidgets`` alone never imports ipywidgets.
"""

from __future__ import annotations


def __getattr__(name: str):
    if name == "TrainerApp":
        from .app import TrainerApp

        return TrainerApp
    raise AttributeError(f"module 'tunewidgets.ui' has no attribute {name!r}")


__all__ = ["TrainerApp"]
