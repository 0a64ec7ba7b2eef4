"""Fuzzing: the config loader and the data loaders raise nothing but the project's own errors."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tunewidgets.config import load_config, parse_overrides
from tunewidgets.data.loading import load_split
from tunewidgets.data.preview import preview
from tunewidgets.errors import ConfigError, DataError

KEYS = ["task", "base_model", "project_name", "data", "params", "hub", "log", "backend", "path", "lr", "epochs",
        "column_mapping", "text_column", "peft", "quantization", "block_size", "token", "valid_split", "x", ""]
TASKS = ["llm-sft", "llm", "st:triplet", "tabular_regression", "text_classification", "nope", ""]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(TASKS))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
                      max_leaves=12)
configs = st.fixed_dictionaries(
    {"task": st.sampled_from(TASKS), "base_model": scalars},
    optional={k: values for k in ("data", "params", "hub", "project_name", "log", "backend")},
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(configs)
def test_config_dicts_only_raise_config_errors(config):
    try:
        load_config(config)
    except ConfigError as exc:
        assert str(exc)


@FAST
@given(st.text(max_size=200))
def test_yaml_text_only_raises_config_errors(text):
    try:
        load_config("task: llm-sft\n" + text)
    except ConfigError as exc:
        assert str(exc)


@FAST
@given(st.lists(st.text(max_size=30), max_size=4))
def test_overrides_only_raise_config_errors(items):
    try:
        load_config({"task": "llm-sft", "base_model": "m"}, items)
    except ConfigError as exc:
        assert str(exc)
    try:
        parse_overrides(items)
    except ConfigError:
        pass


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(content=st.one_of(st.binary(max_size=300),
                         st.text(alphabet=st.sampled_from('{}[]",:\n\\ abc123\x00é'), max_size=200).map(str.encode)),
       suffix=st.sampled_from([".jsonl", ".json", ".csv", ".tsv", ".parquet"]))
def test_data_files_only_raise_data_errors(content, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"train{suffix}"
        path.write_bytes(content)
        for load in (lambda: load_split(str(path)), lambda: preview(str(path)), lambda: load_split(folder, "train")):
            try:
                load()
            except DataError as exc:
                assert str(exc)
