"""What the project knows about a task, declared once, by the task's own package under ``tunewidgets/tasks``.

A :class:`TaskSpec` names the task's params model, its column roles (with the hints the mapping guess
uses), how its labels are summarised, its scores, its offline demo and its hooks (train, load the saved
model, try the model, checks, eject). UI, run, CLI, export and saved-run loading read these specs and
name no task: adding a task is one package and one line in ``tunewidgets/tasks/registry.py``.

Hooks are ``"module:function"`` references resolved on first call, so declaring a task imports nothing
heavy. The catalog below loads the registry by name on first use, as a plugin registry would: the task
packages import only the config layer at their top level, so reading the catalog stays light (no torch).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

REGISTRY_MODULE = "tunewidgets.tasks.registry"


@dataclass(frozen=True)
class Role:
    """A column-mapping key (AutoTrain's name), what it means, and how to recognise its column."""

    key: str
    help: str
    required: bool = True
    many: bool = False  # a list of columns (tabular target_columns)
    kind: str = "any"  # values that fit: text, chat_or_text, label, number, list, dict, image, any
    names: tuple[str, ...] = ()  # usual column names, best first, for the mapping guess
    column: str = ""  # the column's name once mapped (what the trainer reads); default: the key without _column
    suffixes: tuple[str, ...] = ()  # name endings that also match (PassengerId for an id)
    by_values: bool = True  # may be guessed from values alone (not chosen/rejected: values cannot tell which)
    only_with: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # guessed only when that role's
    # column has one of these names (a prompt only beside an answer column, not beside a whole text)
    prefix_of: tuple[str, ...] = ()  # roles whose text this role's column starts (a pair's shared prompt)

    @property
    def renamed_to(self) -> str:
        return self.column or self.key.removesuffix("_column")


@dataclass(frozen=True)
class Hook:
    """A function named ``"package.module:attribute"``, imported when first called, with bound keywords."""

    target: str
    bound: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def to(cls, target: str, **bound: Any) -> "Hook":
        return cls(target, tuple(sorted(bound.items())))

    def resolve(self) -> Callable:
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **dict(self.bound), **kwargs)


@dataclass(frozen=True)
class Demo:
    """The offline demo: a tiny model built from config and generated data (``tunewidgets.tiny``)."""

    data: str  # a demo data kind of tunewidgets.tiny
    mapping: Mapping[str, Any]
    params: Mapping[str, Any]
    model: str | None = None  # a tiny model kind; None when a params field names the model (tabular)
    rows: int | None = 200  # rows generated (None: the data kind's natural size)
    chat_template: str | None = None
    project: str | None = None  # the demo run's name (default: demo-<task>)


@dataclass(frozen=True)
class Predict:
    """Try the model: what the box asks for and the hook that answers (returns a tasks.base.Prediction)."""

    run: Hook  # (model, processor, value, **options) -> Prediction
    input: str = "text"  # text | image | image_text (an image and a prompt, passed as prompt=)
    button: str = "Predict"
    placeholder: str = "Text for the trained model"
    options: tuple[str, ...] = ()  # of "max_new_tokens", "chat"
    query: str | None = None  # a second text box's placeholder (a question about the input); its text goes to
    # the hook as ``query=``


@dataclass(frozen=True)
class Footprint:
    """What the memory estimate (``tunewidgets.memory``) needs of a task: the model built from config.json and how
    many sequences of an example go through it."""

    model_class: str  # a transformers Auto class, e.g. "AutoModelForCausalLM"
    sequences: int = 1  # per example (chosen + rejected: 2; a triplet: 3)
    reference_model: bool = False  # a frozen second copy of the model without peft (DPO's reference)
    head: Mapping[str, Any] = field(default_factory=dict)  # from_config options (num_labels=1: a reward model)


@dataclass(frozen=True)
class TaskSpec:
    """Everything the project knows about one task."""

    name: str  # canonical name, as AutoTrain writes it in a config
    title: str
    group: str  # the family shown beside the task (the task menu groups by it)
    params: type  # the pydantic params model
    roles: tuple[Role, ...]
    build: Hook  # (TaskContext) -> TrainJob
    load_saved: Hook  # (folder) -> (model, tokenizer or processor)
    demo: Demo
    aliases: tuple[str, ...] = ()  # AutoTrain's other spellings
    alias_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # alias -> params it fixes
    trainer_names: tuple[str, ...] = ()  # values of params.trainer that mean this task (AutoTrain's)
    distribution: tuple[str, str] | None = None  # (role key, classes|values|tags|objects|answers|auto) to summarise
    marks: Hook | None = None  # (rows, mapping) -> per row {column: (start, end)}: spans the preview highlights
    scores: tuple[str, ...] = ()  # evaluation scores (eval_<name>) worth plotting, headline first
    predict: Predict | None = None
    checks: Hook | None = None  # (config, rows, total) -> CheckReport
    eject: Hook | None = None  # (config, *, workdir, num_examples, device) -> a standalone script
    chat_template: bool = False  # data.chat_template applies (the Data panel offers it)
    model_param: str | None = None  # a params field names the model (tabular's family), not base_model
    keeps_unmapped_columns: bool = False  # unmapped columns are features (tabular), not dropped
    streaming: bool = False  # trains on a stream (data.streaming): data larger than memory or disk
    library: str = "transformers"  # the model card's library_name
    prepare: Callable[[dict], dict] | None = None  # the raw config dict -> dict, before the params are checked
    validate: Callable[[Any], None] | None = None  # cross-field rules on the RunConfig; raises ValueError
    footprint: Footprint | None = None  # for the memory estimate; None: no GPU model (tabular)
    generates: str | None = None  # the model writes text: causal | seq2seq | vlm (eval_generate, compare)
    form_hides: tuple[str, ...] = ()  # fields of a shared params model this task ignores: left out of its form
    # (a YAML may still set them), so an SFT form shows no DPO settings
    valid_prompts: Hook | None = None  # (ctx, processor) -> the validation split prepared as training prepares
    # it (None: no validation split); processor None: the hook loads the base's, never the model (compare)

    @property
    def role_keys(self) -> list[str]:
        return [role.key for role in self.roles]

    def role(self, key: str) -> Role | None:
        return next((role for role in self.roles if role.key == key), None)


class Catalog(Mapping):
    """Canonical task name -> TaskSpec, in the registry's order; loaded on first use."""

    def __init__(self, registry_module: str = REGISTRY_MODULE):
        self._module = registry_module
        self._specs: dict[str, TaskSpec] | None = None
        self._aliases: dict[str, str] = {}
        self._lock = threading.Lock()

    def _load(self) -> dict[str, TaskSpec]:
        if self._specs is None:
            with self._lock:
                if self._specs is None:
                    registry = importlib.import_module(self._module)
                    parent = self._module.rpartition(".")[0]
                    specs: dict[str, TaskSpec] = {}
                    aliases: dict[str, str] = {}
                    for name in registry.TASK_PACKAGES:  # a dotted name is a package outside tunewidgets.tasks
                        module = name if "." in name else f"{parent}.{name}"
                        for spec in importlib.import_module(module).TASKS:
                            if spec.name in specs:
                                raise RuntimeError(f"task {spec.name} is declared twice")
                            specs[spec.name] = spec
                            for alias in spec.aliases:
                                aliases[alias.lower()] = spec.name
                    self._aliases = aliases
                    self._specs = specs
        return self._specs

    def reload(self) -> None:
        """Read the registry again on next use (after a task package was added to it)."""
        with self._lock:
            self._specs = None

    def __getitem__(self, name: str) -> TaskSpec:
        return self._load()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    @property
    def aliases(self) -> dict[str, str]:
        self._load()
        return dict(self._aliases)


CATALOG = Catalog()
