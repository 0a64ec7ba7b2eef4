"""Label encoding without ClassLabel: strings or integers in, ids and names out.

AutoTrain demanded a ClassLabel column for text classification; here any column of strings,
integers or booleans works. The names go into the model config (id2label), so a pipeline
predicts ``"positive"``, not ``LABEL_1``. A label in the valid split that train lacks is a
DataError that names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ...errors import DataError


@dataclass
class Labels:
    """The classes of a task, in id order."""

    names: list[str]
    _ids: dict[Any, int]

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.names))

    @property
    def label2id(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}

    def __len__(self) -> int:
        return len(self.names)

    def encode(self, value: Any) -> int:
        return self._ids[normalise(value)]

    def unknown(self, values: Iterable[Any]) -> list[Any]:
        """Values not among the classes, first occurrence order."""
        seen: dict[Any, None] = {}
        for value in values:
            key = normalise(value)
            if key not in self._ids:
                seen.setdefault(key, None)
        return list(seen)


def normalise(value: Any) -> Any:
    """One key per label: 1, 1.0 and numpy's 1 are the same class; strings stay strings."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def labels_from_values(values: Iterable[Any], *, what: str = "the train split's labels",
                       names: list[str] | None = None) -> Labels:
    """Classes of ``values``: numbers sorted numerically, strings alphabetically (``"O"`` first for tags).

    ``names`` (a ClassLabel's names) fixes the classes when the values are their integer ids.
    """
    if names:
        return Labels(list(names), {i: i for i in range(len(names))})
    keys: dict[Any, None] = {}
    for index, value in enumerate(values):
        if value is None or (isinstance(value, float) and value != value):
            raise DataError(f"{what}: row {index + 1} has no label (empty or NaN)")
        key = normalise(value)
        if isinstance(key, (list, dict)):
            raise DataError(f"{what}: row {index + 1} holds a {type(key).__name__}, expected one label")
        keys.setdefault(key, None)
    if not keys:
        raise DataError(f"{what}: no labels found")
    ordered = sorted(keys, key=_sort_key)
    if "O" in keys:  # the outside tag first, as conll2003 has it
        ordered = ["O"] + [k for k in ordered if k != "O"]
    return Labels([str(k) for k in ordered], {k: i for i, k in enumerate(ordered)})


def _sort_key(key: Any):
    if isinstance(key, bool):
        return (0, int(key), "")
    if isinstance(key, (int, float)):
        return (0, key, "")
    return (1, 0, str(key))


def classlabel_names(dataset, column: str) -> list[str] | None:
    """The names of a ClassLabel column (or of a list of ClassLabels, as token tags), else None."""
    feature = getattr(dataset, "features", {}).get(column) if hasattr(dataset, "features") else None
    return feature_class_names(feature)


def feature_class_names(feature) -> list[str] | None:
    """The names of a ClassLabel feature, found through up to two levels of List/Sequence, else None."""
    for _ in range(3):
        if feature is None:
            return None
        if hasattr(feature, "names") and hasattr(feature, "str2int"):
            return list(feature.names)
        feature = getattr(feature, "feature", None)
    return None


def check_known(labels: Labels, values: Iterable[Any], split: str, column: str = "label") -> None:
    """DataError naming the labels of ``split`` that the train split lacks."""
    missing = labels.unknown(values)
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise DataError(
            f"the {split} split has {column}{'s' if len(missing) > 1 else ''} {shown} that the train split lacks; "
            f"train {column}s: {', '.join(labels.names[:20])}{' ...' if len(labels) > 20 else ''}"
        )


def numeric_targets(values: Iterable[Any], split: str, column: str = "target", first_row: int = 1) -> list[float]:
    """Floats of a regression target; DataError naming the first row that is not a number (``values`` start at
    row ``first_row`` of the split)."""
    out = []
    for index, value in enumerate(values, start=first_row - 1):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise DataError(
                f"the {split} split's {column} must be numbers for regression; row {index + 1} holds {value!r}"
            ) from None
        if number != number:
            raise DataError(f"the {split} split's {column} is empty (NaN) at row {index + 1}")
        out.append(number)
    return out
