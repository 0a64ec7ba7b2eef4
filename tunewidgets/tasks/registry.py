"""The tasks this version trains: one line per task package (under ``tunewidgets/tasks``), in the order
the app lists them.

Each package declares ``TASKS`` (its TaskSpecs) in its ``__init__.py``, importing only the config layer
and ``shared`` helpers that stay light; its trainer lives in ``train.py``. Nothing else names a task: to
add one, write its package beside these and add its line here (a dotted name, ``my_package.my_task``,
is a task package that lives outside tunewidgets).
"""

TASK_PACKAGES = (
    "llm_sft",
    "llm_generic",
    "llm_reward",
    "llm_dpo",
    "llm_orpo",
    "llm_kto",
    "llm_cpo",
    "llm_grpo",
    "text_classification",
    "token_classification",
    "extractive_qa",
    "seq2seq",
    "sentence_transformers",
    "image_classification",
    "object_detection",
    "vlm",
    "tabular",
)
