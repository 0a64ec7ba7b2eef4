"""The Checks panel's token view: one example's tokens, shaded where they count for the loss.

What is checked comes from the task's ``checks`` hook (``tunewidgets/tasks/shared/checks.py``);
this module only turns a TokenView into HTML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import theme

if TYPE_CHECKING:
    from ..tasks.shared.checks import TokenView


def render_tokens(view: TokenView, limit: int = 1200) -> str:
    """Tokens as spans: shaded when they count for the loss, struck through when cut off."""
    spans = []
    for index, (token_id, text, loss, kept) in enumerate(zip(view.ids, view.texts, view.loss, view.kept)):
        if index >= limit:
            spans.append(f'<span class="tw-tok-more">… {len(view.ids) - limit:,} more tokens</span>')
            break
        shown = theme.esc(text).replace("\n", "↵\n") or "∅"
        if not kept:
            cls, style = "tw-tok tw-tok-cut", f"background:{theme.CUT_SHADE};text-decoration:line-through;color:#999"
        elif loss:
            cls, style = "tw-tok tw-tok-loss", f"background:{theme.LOSS_SHADE};border-radius:2px"
        else:
            cls, style = "tw-tok tw-tok-context", "color:#555"
        spans.append(f'<span class="{cls}" data-id="{token_id}" title="token {index}: id {token_id}" '
                     f'style="{style};box-shadow:inset -1px 0 0 #fff">{shown}</span>')
    legend = (f'<div class="tw-help" style="color:{theme.GREY};font-size:12px;margin-bottom:4px">'
              f'<span style="background:{theme.LOSS_SHADE};padding:0 4px">counts for the loss</span> '
              f'<span style="color:#555;padding:0 4px">context only</span> '
              f'<span style="background:{theme.CUT_SHADE};text-decoration:line-through;padding:0 4px">cut at '
              f'{view.max_length} tokens</span> · {sum(view.trained):,} of {len(view.ids):,} tokens trained · '
              f'{theme.esc(view.note)}</div>')
    return legend + f'<div class="tw-tokens" style="font-family:monospace;font-size:12px;line-height:1.9;' \
                    f'white-space:pre-wrap;word-break:break-all;max-height:260px;overflow:auto">{"".join(spans)}</div>'
