"""The catalogue of bad inputs: each case builds a config (and files) and says what the user must read.

Every case is checked the same way by test_catalogue.py: the CLI exits 2 with one line on stderr that names the
problem and the fix, prints no traceback, and leaves no run directory behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass
class Case:
    id: str
    kind: str  # config | data | model
    setup: Callable[[dict, Path], "dict | str"]  # (base config, tmp dir) -> config dict or raw YAML text
    expect: tuple[str, ...]  # fragments of the one error line
    overrides: tuple[str, ...] = ()


def _cfg(**changes):
    """A setup that applies nested changes to the base config."""

    def setup(base: dict, tmp: Path):
        config = json.loads(json.dumps(base))
        for dotted, value in changes.items():
            node = config
            parts = dotted.split("__")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            if value is _DROP:
                node.pop(parts[-1], None)
            else:
                node[parts[-1]] = value
        return config

    return setup


_DROP = object()


def _yaml(text: str):
    return lambda base, tmp: text


def _file(name: str, content: str | bytes, **changes):
    """Write ``content`` to tmp/name and point data.path at it."""

    def setup(base: dict, tmp: Path):
        path = tmp / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return _cfg(data__path=str(path), **changes)(base, tmp)

    return setup


def _model_dir(files: dict[str, str]):
    def setup(base: dict, tmp: Path):
        folder = tmp / "model"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text)
        return _cfg(base_model=str(folder))(base, tmp)

    return setup


def _jsonl(*rows) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


_MODELS: dict[str, str] = {}


def _tiny(kind: str) -> str:
    """A tiny model of ``kind`` built once for the whole catalogue (offline, random weights)."""
    if kind not in _MODELS:
        import tempfile

        from tunewidgets.tiny import build_tiny_model

        _MODELS[kind] = build_tiny_model(kind, Path(tempfile.mkdtemp(prefix="tw-catalogue-")) / kind)
    return _MODELS[kind]


def _task(task: str, tiny: str | None, files: dict[str, str], mapping: dict, **params):
    """Another task's config: its tiny model (or a params-chosen family), data files in a folder, a mapping."""

    def setup(base: dict, tmp: Path):
        folder = tmp / "data"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text)
        valid = "valid" if any(name.startswith("valid.") for name in files) else None
        return {"task": task, "base_model": _tiny(tiny) if tiny else params.get("model", "random_forest"),
                "project_name": "run",
                "data": {"path": str(folder), "train_split": "train", "valid_split": valid,
                         "column_mapping": mapping},
                "params": params if task == "tabular" else {"max_steps": 2, "batch_size": 2, **params}}

    return setup


def _live_run(base: dict, tmp: Path):
    """A run directory that a live process (this one) is writing."""
    import os
    import socket
    import time

    (tmp / "runs").mkdir(exist_ok=True)
    (tmp / "runs" / ".run.lock").write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                                        "started": time.time()}))
    return _cfg()(base, tmp)


_REVIEWS = _jsonl(*[{"text": f"review {i} is fine", "label": "pos" if i % 2 else "neg"} for i in range(8)])
_TEXT_MAP = {"text_column": "text", "target_column": "label"}


CASES = [
    # --- config
    Case("invalid-yaml", "config", _yaml("task: llm-sft\nparams: {lr: [1,\n"), ("invalid YAML", "line")),
    Case("yaml-list", "config", _yaml("- task\n- llm-sft\n"), ("a config is a mapping",)),
    Case("empty-config", "config", _yaml(""), ("the config is empty",)),
    Case("misspelled-top-key", "config", _cfg(base_modle="x"),
         ("base_modle: unknown key", "did you mean 'base_model'")),
    Case("misspelled-param", "config", _cfg(params__lrr=1e-4), ("params.lrr: unknown key", "did you mean 'lr'")),
    Case("misspelled-data-key", "config", _cfg(data__valid_spilt="valid"),
         ("data.valid_spilt: unknown key", "did you mean 'valid_split'")),
    Case("wrong-type", "config", _cfg(params__epochs="three"), ("params.epochs", "valid integer", "'three'")),
    Case("negative-lr", "config", _cfg(params__lr=-0.1), ("params.lr", "greater than 0")),
    Case("zero-batch", "config", _cfg(params__batch_size=0), ("params.batch_size", "greater than or equal to 1")),
    Case("unknown-task", "config", _cfg(task="llm-stf"), ("unknown task 'llm-stf'", "did you mean 'llm-sft'")),
    Case("unknown-optimizer", "config", _cfg(params__optimizer="adam"), ("params.optimizer", "choose one of")),
    Case("quantization-without-peft", "config", _cfg(params__quantization="int4"), ("needs peft: true",)),
    Case("block-size-too-big", "config", _cfg(params__block_size=4096),
         ("block_size 4096 is larger than model_max_length", "raise model_max_length")),
    Case("missing-base-model", "config", _cfg(base_model=_DROP), ("base_model: missing",)),
    Case("remote-backend", "config", _cfg(backend="spaces-a10g-large"), ("use backend: local",)),
    Case("eval-steps-missing", "config", _cfg(params__eval_strategy="steps"), ("needs eval_steps",)),
    Case("role-of-another-task", "config", _cfg(data__column_mapping={"target_column": "label"}),
         ("not a column role of llm-sft", "Roles: text_column")),
    Case("dpo-without-rejected", "config", _cfg(task="llm-dpo", data__column_mapping={"text_column": "chosen"}),
         ("needs rejected_text_column",)),
    Case("unset-env-in-string", "config", _cfg(project_name="run-${TW_SURELY_UNSET}"),
         ("TW_SURELY_UNSET is not set",)),
    Case("bad-project-name", "config", _cfg(project_name="my run!"), ("not a usable run name",)),
    Case("bad-set-syntax", "config", _cfg(), ("expected KEY=VALUE",), overrides=("params.lr",)),
    Case("resume-missing-checkpoint", "config", _cfg(params__resume_from_checkpoint="/no/such/checkpoint"),
         ("checkpoint '/no/such/checkpoint' does not exist",)),
    # --- data
    Case("malformed-jsonl", "data", _file("bad.jsonl", '{"text": "a"}\n{"text": "b"\n{"text": "c"}\n'),
         ("malformed JSON", "line 2")),
    Case("malformed-csv", "data", _file("bad.csv", 'text\n"a\n'), ("malformed CSV",)),
    Case("empty-file", "data", _file("empty.jsonl", ""), ("empty",)),
    Case("header-only-csv", "data", _file("h.csv", "text\n"), ("has no rows",)),
    Case("non-utf8", "data", _file("latin.jsonl", b'{"text": "caf\xe9"}\n'),
         ("not UTF-8", "line 1", "save it as UTF-8")),
    Case("missing-column", "data", _cfg(data__column_mapping={"text_column": "body"}),
         ("'body'", "not found", "columns: text")),
    Case("misspelled-column", "data", _cfg(data__column_mapping={"text_column": "txt"}), ("did you mean 'text'",)),
    Case("data-path-missing", "data", _cfg(data__path="./no/such/folder"), ("does not exist",)),
    Case("split-missing", "data", _cfg(data__valid_split="validation"),
         ("no file for split 'validation'", "files there: train.jsonl, valid.jsonl")),
    Case("null-cell", "data", _file("nulls.jsonl", _jsonl({"text": "a b"}, {"text": None})),
         ("row 2", "empty text", "remove or fill")),
    Case("blank-cell", "data", _file("blank.jsonl", _jsonl({"text": "a b"}, {"text": "  "})), ("row 2", "empty text")),
    Case("wrong-cell-type", "data", _file("ints.jsonl", _jsonl({"text": "a b"}, {"text": 5})),
         ("column 'text'", "mixes types", "row 2")),
    Case("unknown-role", "data",
         _file("roles.jsonl", _jsonl({"text": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "yo"}]})),
         ("row 1", "role 'bot'", "allowed roles")),
    Case("messages-not-list", "data", _file("msgs.jsonl", _jsonl({"text": [{"speaker": "x"}]})), ("row 1",)),
    Case("assistant-loss-on-plain-text", "data", _cfg(params__assistant_only_loss=True),
         ("assistant_only_loss needs conversational data",)),
    Case("hub-dataset-offline", "data", _cfg(data__path="someone/some-dataset"),
         ("could not reach the Hugging Face Hub", "pass a local path")),
    # --- model
    Case("model-path-missing", "model", _cfg(base_model="/no/such/model"),
         ("model path '/no/such/model' does not exist",)),
    Case("hub-model-offline", "model", _cfg(base_model="someone/some-model"),
         ("could not load model 'someone/some-model'", "offline")),
    Case("folder-without-model", "model", _model_dir({"notes.txt": "hello"}),
         ("is not a model folder", "no config.json")),
    Case("model-without-tokenizer", "model", _model_dir({"config.json": '{"model_type": "llama"}'}),
         ("no tokenizer files",)),
    Case("model-is-a-file", "model", lambda base, tmp: (tmp / "m.bin").write_text("x") and _cfg(
        base_model=str(tmp / "m.bin"))(base, tmp), ("is a file",)),
    Case("dpo-reference-model-missing", "model",
         lambda base, tmp: _cfg(task="llm-dpo", data__path=str(Path(base["data"]["path"]).parent / "preference"),
                                data__column_mapping={"text_column": "chosen", "rejected_text_column": "rejected",
                                                      "prompt_text_column": "prompt"},
                                params__model_ref="/no/such/reference")(base, tmp),
         ("model path '/no/such/reference' does not exist",)),
    # --- the run directory
    Case("run-directory-live", "config", _live_run, ("is being written by a live run", "pid", "project_name")),
    # --- the other tasks' data
    Case("classifier-with-one-class", "data",
         _task("text_classification", "bert",
               {"train.jsonl": _jsonl(*[{"text": f"review {i}", "label": "pos"} for i in range(8)])}, _TEXT_MAP),
         ("at least two classes", "'pos'")),
    Case("label-unseen-in-valid", "data",
         _task("text_classification", "bert",
               {"train.jsonl": _REVIEWS, "valid.jsonl": _jsonl({"text": "odd", "label": "meh"})}, _TEXT_MAP),
         ("'meh'",)),
    Case("regression-target-not-a-number", "data",
         _task("text_regression", "bert", {"train.jsonl": _REVIEWS}, _TEXT_MAP),
         ("'label' column must be numbers", "row 1 holds 'neg'")),
    Case("text-not-a-string", "data",
         _task("text_classification", "bert",
               {"train.jsonl": _jsonl(*[{"text": i, "label": i % 2} for i in range(8)])}, _TEXT_MAP),
         ("text",)),
    Case("tags-and-tokens-differ-in-length", "data",
         _task("token_classification", "bert",
               {"train.jsonl": _jsonl(*[{"tokens": ["Ada", "met", "Alan"], "tags": ["B-PER", "O"]}] * 6)},
               {"tokens_column": "tokens", "tags_column": "tags"}),
         ("row 1", "3 tokens", "2 tags")),
    Case("tokens-not-a-list", "data",
         _task("token_classification", "bert",
               {"train.jsonl": _jsonl(*[{"tokens": "Ada met Alan", "tags": ["B-PER", "O", "B-PER"]}] * 6)},
               {"tokens_column": "tokens", "tags_column": "tags"}),
         ("row 1", "list")),
    Case("seq2seq-target-column-missing", "data",
         _task("seq2seq", "t5", {"train.jsonl": _jsonl(*[{"dialogue": "a b c", "summary": "a"}] * 6)},
               {"text_column": "dialogue", "target_column": "abstract"}),
         ("'abstract'", "not found", "columns: dialogue, summary")),
    Case("pair-score-not-a-number", "data",
         _task("sentence-transformers:pair_score", "bert",
               {"train.jsonl": _jsonl(*[{"s1": "a b", "s2": "c d", "score": "high"}] * 6)},
               {"sentence1_column": "s1", "sentence2_column": "s2", "target_column": "score"}),
         ("the train split's 'score' column must be numbers", "row 1 holds 'high'")),
    Case("image-file-missing", "data",
         _task("image_classification", "vit",
               {"train.jsonl": _jsonl(*[{"image": f"img{i}.png", "label": i % 2} for i in range(6)])},
               {"image_column": "image", "target_column": "label"}),
         ("img0.png",)),
    Case("detection-objects-malformed", "data",
         _task("object_detection", "yolos",
               {"train.jsonl": _jsonl(*[{"image": "img.png", "objects": [1, 2, 3]}] * 6)},
               {"image_column": "image", "objects_column": "objects"}),
         ("objects",)),
    Case("tabular-without-target", "data",
         _task("tabular", None, {"train.csv": "a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n"}, {}),
         ("target_columns",)),
    Case("tabular-target-missing", "data",
         _task("tabular", None, {"train.csv": "a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n"}, {"target_columns": ["price"]}),
         ("'price'", "not found")),
    Case("tabular-unknown-family", "config",
         _task("tabular", None, {"train.csv": "a,y\n1,2\n"}, {"target_columns": ["y"]}, model="gpt"),
         ("params.model", "xgboost")),
    Case("preference-chosen-equals-rejected", "data",
         _file("same.jsonl", _jsonl(*[{"prompt": "Q?", "chosen": " yes", "rejected": " yes"}] * 4), task="llm-dpo",
               data__column_mapping={"text_column": "chosen", "rejected_text_column": "rejected",
                                     "prompt_text_column": "prompt"}),
         ("chosen and rejected are equal in every row", "nothing to prefer")),
    Case("chat-template-file-missing", "config", _cfg(data__chat_template="./no/such/template.jinja"),
         ("template",)),
]
