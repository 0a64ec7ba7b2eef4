"""Try a fitted tabular pipeline on rows given as JSON; class ids (xgboost) are shown as their labels."""

from __future__ import annotations

import json

from ...errors import DataError
from ..base import Prediction


def predict(pipeline, info: dict, text: str) -> Prediction:
    import pandas as pd

    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"not JSON: {exc.msg} (column {exc.colno}); give a row like {{\"column\": value}}") from None
    rows = [rows] if isinstance(rows, dict) else rows
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError("give a JSON object (one row) or a list of objects")
    features = list(info.get("features") or [])
    unknown = sorted({k for r in rows for k in r} - set(features))
    predictions = pipeline.predict(pd.DataFrame(rows).reindex(columns=features))
    targets = info.get("targets") or ["prediction"]
    names = info.get("labels") or {}
    ids = str(info.get("predicts", "")).startswith("class ids")  # xgboost predicts class ids: show the labels

    def shown(target: str, value) -> str:
        if ids and names.get(target):
            return str(names[target][int(value)])
        return str(value.item() if hasattr(value, "item") else value)

    lines = [f"row {i + 1}: " + ", ".join(f"{t} = {shown(t, v)}" for t, v in
                                          zip(targets, value if getattr(value, "ndim", 0) else [value]))
             for i, value in enumerate(predictions)]
    if unknown:
        lines.append(f"(not features of this model, ignored: {', '.join(unknown)})")
    return Prediction("\n".join(lines))
