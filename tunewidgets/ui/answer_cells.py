"""Table cells of generated answers, shared by the Generations view and the Compare tab: wrapped text, an
empty cell shown as a dash, an answer equal to its reference (SQuAD's normalisation) shaded green."""

from __future__ import annotations

from ..tasks.shared.generation_scores import generation_scores
from . import theme

MATCH_SHADE = "#e8f5e9"
CELL_STYLE = "white-space:pre-wrap;vertical-align:top;max-width:300px"


def matches(answer: str, reference: str | None) -> bool:
    return reference is not None and generation_scores([answer], [reference]).get("exact_match") == 1.0


def text_cell(value, grey: bool = False) -> str:
    if value is None:
        return f'<td style="color:{theme.GREY};{CELL_STYLE}">—</td>'
    colour = f"color:{theme.GREY};" if grey else ""
    return f'<td style="{colour}{CELL_STYLE}">{theme.esc(value)}</td>'


def answer_cell(answer: str, reference: str | None, css: str) -> str:
    """``css`` names the cell (``<css>``, and ``<css>-match`` when it equals the reference)."""
    match = matches(answer, reference)
    shade = f"background:{MATCH_SHADE};" if match else ""
    classes = f"{css} {css}-match" if match else css
    return f'<td class="{classes}" style="{shade}{CELL_STYLE}">{theme.esc(answer)}</td>'


def table(heads: list[str], rows: list[str], max_height: int = 380) -> str:
    head = "".join(f"<th>{theme.esc(h)}</th>" for h in heads)
    return (f'<div style="max-height:{max_height}px;overflow:auto"><table class="tw-table" '
            f'style="{theme.TABLE_STYLE}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            "</div>")
