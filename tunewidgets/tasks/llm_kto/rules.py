"""llm-kto's cross-field rules, checked when a config is validated (no heavy imports)."""

from __future__ import annotations


def kto_rules(config) -> None:
    """The label column is mapped (when the config maps columns); a reference model may be named."""
    mapping = config.data.column_mapping
    if mapping and not mapping.get("target_column"):
        raise ValueError(f"data.column_mapping: {config.task} needs target_column (true for a desirable completion, "
                         "false for an undesirable one) beside text_column (the completion)")
