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


def _vlm(rows: list[dict], broken: tuple[str, ...] = (), **data):
    """A vlm:vqa config on PNGs of shapes listed in train.jsonl (``broken``: files written as garbage; ``data``:
    keys of the data section replaced)."""

    def setup(base: dict, tmp: Path):
        from PIL import Image

        folder = tmp / "data"
        folder.mkdir()
        for row in rows:
            if row["image"] not in broken and row["image"] != "nope.png":
                Image.new("RGB", (16, 16), (220, 40, 40)).save(folder / row["image"])
        for name in broken:
            (folder / name).write_bytes(b"not an image at all")
        (folder / "train.jsonl").write_text(_jsonl(*rows))
        return {"task": "vlm:vqa", "base_model": _tiny("vlm"), "project_name": "run",
                "data": {"path": str(folder), "train_split": "train",
                         "column_mapping": {"image_column": "image", "prompt_text_column": "question",
                                            "text_column": "answer"}, **data},
                "params": {"max_steps": 2, "batch_size": 2}}

    return setup


def _shapes(**changes) -> list[dict]:
    """Four rows of a colour question; ``changes`` maps a row number (r1 ...) to the fields it replaces."""
    rows = [{"image": f"img{i}.png", "question": "What colour is the shape?", "answer": "red"} for i in range(4)]
    for key, fields in changes.items():
        rows[int(key[1:]) - 1].update(fields)
    return rows


def _grpo(body: str = "", rows: list[dict] | None = None, **params):
    """An llm-grpo config on four colour prompts, with ``rewards.py`` holding ``body`` (its functions are named in
    ``params.reward_functions`` as ``{rewards}:<name>``)."""

    def setup(base: dict, tmp: Path):
        folder = tmp / "data"
        folder.mkdir()
        (folder / "train.jsonl").write_text(_jsonl(*(rows or [
            {"prompt": f"What colour is thing {i}?", "answer": "blue"} for i in range(4)])))
        (folder / "rewards.py").write_text("import math\n\n\n" + body)
        values = {"max_steps": 1, "batch_size": 4, "num_generations": 2, "max_completion_length": 4, **params}
        values["reward_functions"] = [str(e).replace("{rewards}", str(folder / "rewards.py"))
                                      for e in values.get("reward_functions", ["{rewards}:reward"])]
        return {"task": "llm-grpo", "base_model": base["base_model"], "project_name": "run",
                "data": {"path": str(folder), "train_split": "train",
                         "column_mapping": {"prompt_text_column": "prompt"}},
                "params": values}

    return setup


def _reward(returns: str = "[0.0] * len(completions)", args: str = "completions, **kwargs") -> str:
    """rewards.py's ``reward`` function (line 4 is its def: ``import math`` and two blank lines come first)."""
    return f"def reward({args}):\n    return {returns}\n"


def _live_run(base: dict, tmp: Path):
    """A run directory that a live process (this one) is writing."""
    import os
    import socket
    import time

    (tmp / "runs").mkdir(exist_ok=True)
    (tmp / "runs" / ".run.lock").write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                                        "started": time.time()}))
    return _cfg()(base, tmp)


def _qa(text: str = "Paris", start: int = 14) -> dict:
    """An extractive-qa row in SQuAD's shape."""
    return {"context": "Anna lives in Paris.", "question": "Where does Anna live?",
            "answers": {"text": [text], "answer_start": [start]}}


_QA_MAP = {"text_column": "context", "question_column": "question", "answer_column": "answers"}
_REVIEWS = _jsonl(*[{"text": f"review {i} is fine", "label": "pos" if i % 2 else "neg"} for i in range(8)])
_TEXT_MAP = {"text_column": "text", "target_column": "label"}


_KTO_MAP = {"prompt_text_column": "prompt", "text_column": "completion", "target_column": "label"}
_PAIR_MAP = {"text_column": "chosen", "rejected_text_column": "rejected", "prompt_text_column": "prompt"}

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
    Case("qa-answer-start-misses-the-answer", "data",
         _task("extractive-qa", "bert", {"train.jsonl": _jsonl(*[_qa()] * 3, _qa(start=3), *[_qa()] * 2)}, _QA_MAP),
         ("the train split's row 4", "'answers' column", "answer_start 3 does not point at the answer 'Paris'",
          "starts at 14")),
    Case("qa-answer-column-missing", "data",
         _task("extractive-qa", "bert", {"train.jsonl": _jsonl(*[{"context": "Anna lives in Paris.",
                                                                "question": "Where?"}] * 6)}, _QA_MAP),
         ("'answers'", "answer_column", "not found", "columns: context, question")),
    Case("qa-answer-longer-than-context", "data",
         _task("extractive-qa", "bert",
               {"train.jsonl": _jsonl(_qa(), _qa(text="Anna lives in Paris, a big city.", start=0), *[_qa()] * 4)},
               _QA_MAP),
         ("the train split's row 2", "'answers' column", "longer than its context")),
    Case("qa-flat-answer-not-in-context", "data",
         _task("extractive-qa", "bert",
               {"train.jsonl": _jsonl(*[{"context": "Anna lives in Paris.", "question": "Where?", "answer": a}
                                        for a in ("Paris", "Rome", "Paris", "Paris", "Paris", "Paris")])},
               {**_QA_MAP, "answer_column": "answer"}),
         ("the train split's row 2", "'answer' column", "'Rome' is not in its context")),
    Case("qa-stride-not-below-the-window", "config",
         _task("extractive-qa", "bert", {"train.jsonl": _jsonl(_qa())}, _QA_MAP, max_seq_length=64,
               max_doc_stride=64),
         ("max_doc_stride (64) must be smaller than max_seq_length (64)",)),
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
    Case("vlm-image-file-missing", "data", _vlm(_shapes(r2={"image": "nope.png"})),
         ("row 2 of the train split", "'image' column", "nope.png", "does not exist")),
    Case("vlm-image-unreadable", "data", _vlm(_shapes(r3={"image": "broken.png"}), broken=("broken.png",)),
         ("row 3 of the train split", "'image' column", "broken.png", "not a readable image")),
    Case("vlm-empty-answer", "data", _vlm(_shapes(r4={"answer": "  "})),
         ("row 4 of the train split", "'answer' column", "empty", "fill or remove the row")),
    Case("grpo-reward-raises", "config", _grpo(_reward("[1 / 0 for c in completions]")),
         ("reward function 'reward' failed", "ZeroDivisionError", "rewards.py line 5", "dry call before training")),
    Case("grpo-reward-wrong-count", "config", _grpo(_reward("[1.0]")),
         ("reward function 'reward' returned 1 values for 4 completions", "one number (or None) per completion")),
    Case("grpo-reward-nan", "config", _grpo(_reward("[math.nan] * len(completions)")),
         ("reward function 'reward' returned nan for completion 1", "finite number")),
    Case("grpo-reward-not-a-number", "config", _grpo(_reward("['good'] * len(completions)")),
         ("reward function 'reward' returned a str", "rewards are numbers")),
    Case("grpo-reward-missing-column", "config", _grpo(_reward(args="completions, solution, **kwargs")),
         ("'reward' failed", "solution", "the data columns passed to it are: answer")),
    Case("grpo-reward-without-kwargs", "config", _grpo(_reward(args="completions")),
         ("'reward' failed", "add **kwargs")),
    Case("grpo-reward-file-missing", "config", _grpo(reward_functions=["./no/such/rewards.py:reward"]),
         ("reward file './no/such/rewards.py' does not exist",)),
    Case("grpo-reward-function-missing", "config", _grpo("def other(completions, **kwargs):\n    return []\n"),
         ("no function 'reward' in", "functions there: other")),
    Case("grpo-reward-misspelled-builtin", "config", _grpo(reward_functions=["think_format_rewards"]),
         ("params.reward_functions", "did you mean 'think_format_reward'")),
    Case("grpo-no-reward-functions", "config", _grpo(reward_functions=[]), ("give at least one reward function",)),
    Case("grpo-generations-do-not-divide", "config", _grpo(num_generations=3),
         ("not a multiple of num_generations 3",)),
    Case("grpo-vllm-on-cpu", "config", _grpo(_reward(), use_vllm=True), ("params.use_vllm",)),
    Case("grpo-empty-prompt", "data", _grpo(_reward(), rows=[{"prompt": "Hi", "answer": "a"},
                                                             {"prompt": " ", "answer": "b"}]),
         ("row 2 of the train split: the prompt is empty",)),
    Case("vlm-vqa-without-question", "config",
         _vlm(_shapes(), column_mapping={"image_column": "image", "text_column": "answer"}),
         ("vlm:vqa needs prompt_text_column", "vlm:captioning")),
    # --- the preference family and the LoRA variants
    Case("kto-label-not-a-boolean", "data",
         _file("kto.jsonl", _jsonl({"prompt": "Q?", "completion": " yes", "label": "good"},
                                   {"prompt": "Q?", "completion": " no", "label": "bad"},
                                   {"prompt": "Q?", "completion": " eh", "label": "maybe"},
                                   {"prompt": "Q?", "completion": " ok", "label": "good"}),
               task="llm-kto", data__column_mapping=_KTO_MAP),
         ("row 3 of the train split", "the label (target_column) is 'maybe'", "true/false, 1/0 or good/bad")),
    Case("kto-without-label-column", "config", _cfg(task="llm-kto", data__column_mapping={"text_column": "text"}),
         ("llm-kto needs target_column",)),
    Case("kto-batch-of-one", "config", _cfg(task="llm-kto", data__column_mapping=_KTO_MAP, params__batch_size=1),
         ("batch_size must be 2 or more", "KL term")),
    Case("dpo-unknown-loss-type", "config",
         _cfg(task="llm-dpo", data__column_mapping=_PAIR_MAP, params__dpo_loss_type="simpo"),
         ("params.dpo_loss_type", "'simpo' is not allowed", "choose one of", "sigmoid")),
    Case("dpo-exo-pair-without-smoothing", "config",
         _cfg(task="llm-dpo", data__column_mapping=_PAIR_MAP, params__dpo_loss_type="exo_pair"),
         ("exo_pair needs dpo_label_smoothing > 0",)),
    Case("lora-pissa-with-quantization", "config",
         _cfg(params__peft=True, params__quantization="int4", params__lora_init="pissa"),
         ("lora_init 'pissa' with quantization 'int4'", "set quantization: null")),
]
