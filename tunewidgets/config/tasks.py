"""Task names, AutoTrain aliases and the column roles each task reads.

Kept free of heavy imports: the form, the CLI and the data guesser all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Role:
    """A column-mapping key (AutoTrain's name) and what it means for a task."""

    key: str
    help: str
    required: bool = True
    many: bool = False  # a list of columns (tabular target_columns)


@dataclass(frozen=True)
class TaskInfo:
    """What the rest of the package needs to know about a task."""

    name: str  # canonical name, as AutoTrain writes it in a config
    title: str
    family: str  # llm | text | vision | tabular | st
    roles: tuple[Role, ...] = field(default_factory=tuple)
    trainable: bool = False  # True once tunewidgets/tasks has a trainer for it

    @property
    def role_keys(self) -> list[str]:
        return [r.key for r in self.roles]


_TEXT = Role("text_column", "the text to train on")
_CHOSEN = Role("text_column", "the chosen (preferred) answer, or the whole chosen conversation")
_REJECTED = Role("rejected_text_column", "the rejected answer, or the whole rejected conversation")
_PROMPT = Role(
    "prompt_text_column",
    "the prompt; optional for conversational data, where every turn but the last is the prompt",
    required=False,
)
_TARGET_LABEL = Role("target_column", "the label (strings or integers)")
_TARGET_VALUE = Role("target_column", "the number to predict")
_S1 = Role("sentence1_column", "the first sentence (anchor)")
_S2 = Role("sentence2_column", "the second sentence (positive)")
_S3 = Role("sentence3_column", "the third sentence (negative)")
_IMAGE = Role("image_column", "the image, or a path to it")

TASKS: dict[str, TaskInfo] = {
    t.name: t
    for t in [
        TaskInfo("llm-sft", "LLM supervised fine-tuning", "llm", (_TEXT,), trainable=True),
        TaskInfo("llm-generic", "LLM causal LM on text blocks", "llm", (_TEXT,), trainable=True),
        TaskInfo("llm-reward", "LLM reward model", "llm", (_CHOSEN, _REJECTED, _PROMPT), trainable=True),
        TaskInfo("llm-dpo", "LLM DPO", "llm", (_CHOSEN, _REJECTED, _PROMPT), trainable=True),
        TaskInfo("llm-orpo", "LLM ORPO", "llm", (_CHOSEN, _REJECTED, _PROMPT), trainable=True),
        TaskInfo("text_classification", "Text classification", "text", (_TEXT, _TARGET_LABEL), trainable=True),
        TaskInfo("text_regression", "Text regression", "text", (_TEXT, _TARGET_VALUE), trainable=True),
        TaskInfo(
            "token_classification",
            "Token classification",
            "text",
            (Role("tokens_column", "a list of tokens"), Role("tags_column", "a list of tags, one per token")),
            trainable=True,
        ),
        TaskInfo(
            "seq2seq", "Sequence to sequence", "text", (_TEXT, Role("target_column", "the target text")), trainable=True
        ),
        TaskInfo("sentence-transformers:pair", "Sentence transformers: pairs", "st", (_S1, _S2), trainable=True),
        TaskInfo(
            "sentence-transformers:pair_class",
            "Sentence transformers: pair classification",
            "st",
            (_S1, _S2, Role("target_column", "the pair's class")),
            trainable=True,
        ),
        TaskInfo(
            "sentence-transformers:pair_score",
            "Sentence transformers: pair similarity score",
            "st",
            (_S1, _S2, Role("target_column", "the pair's score (0 to 1)")),
            trainable=True,
        ),
        TaskInfo(
            "sentence-transformers:triplet", "Sentence transformers: triplets", "st", (_S1, _S2, _S3), trainable=True
        ),
        TaskInfo(
            "sentence-transformers:qa",
            "Sentence transformers: question answer pairs",
            "st",
            (Role("sentence1_column", "the question"), Role("sentence2_column", "the answer")),
            trainable=True,
        ),
        TaskInfo("image_classification", "Image classification", "vision", (_IMAGE, _TARGET_LABEL), trainable=True),
        TaskInfo("image_regression", "Image regression", "vision", (_IMAGE, _TARGET_VALUE), trainable=True),
        TaskInfo(
            "object_detection",
            "Object detection",
            "vision",
            (_IMAGE, Role("objects_column", "the objects: {bbox: [[x, y, w, h], ...], category: [...]}")),
            trainable=True,
        ),
        TaskInfo(
            "tabular",
            "Tabular classification or regression",
            "tabular",
            (
                Role("id_column", "a row id, not used as a feature", required=False),
                Role("target_columns", "the column(s) to predict", many=True),
            ),
            trainable=True,
        ),
    ]
}

# AutoTrain's aliases and the spellings users type.
ALIASES: dict[str, str] = {
    "llm": "llm-sft",
    "llm:sft": "llm-sft",
    "llm_sft": "llm-sft",
    "llm-default": "llm-generic",
    "llm:generic": "llm-generic",
    "llm:default": "llm-generic",
    "llm_generic": "llm-generic",
    "llm:reward": "llm-reward",
    "llm_reward": "llm-reward",
    "llm:dpo": "llm-dpo",
    "llm_dpo": "llm-dpo",
    "llm:orpo": "llm-orpo",
    "llm_orpo": "llm-orpo",
    "text-classification": "text_classification",
    "text-regression": "text_regression",
    "token-classification": "token_classification",
    "image-classification": "image_classification",
    "image-regression": "image_regression",
    "object-detection": "object_detection",
    "tabular_classification": "tabular",
    "tabular_regression": "tabular",
    "tabular-classification": "tabular",
    "tabular-regression": "tabular",
    "sentence_transformers": "sentence-transformers:pair_score",
    "sentence-transformers": "sentence-transformers:pair_score",
}
for _kind in ("pair", "pair_class", "pair_score", "triplet", "qa"):
    ALIASES[f"st:{_kind}"] = f"sentence-transformers:{_kind}"
    ALIASES[f"st_{_kind}"] = f"sentence-transformers:{_kind}"
    ALIASES[f"sentence_transformers:{_kind}"] = f"sentence-transformers:{_kind}"

# Aliases that also fix a param (AutoTrain's tabular_classification sets the tabular task type).
ALIAS_PARAMS: dict[str, dict] = {
    "tabular_classification": {"task": "classification"},
    "tabular-classification": {"task": "classification"},
    "tabular_regression": {"task": "regression"},
    "tabular-regression": {"task": "regression"},
}


def canonical_task(name: str) -> str | None:
    """The canonical task name for ``name`` or an alias, or None if unknown."""
    key = str(name).strip()
    if key in TASKS:
        return key
    low = key.lower()
    if low in TASKS:
        return low
    return ALIASES.get(low)


def all_task_names() -> list[str]:
    """Canonical names followed by aliases: what an error message lists."""
    return list(TASKS) + sorted(ALIASES)
