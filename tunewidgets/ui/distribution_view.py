"""The label distribution under the data preview: bars per class, or a summary of a numeric target.

Plain HTML bars (no plotting library): it redraws on every mapping change and must cost nothing.
"""

from __future__ import annotations

from . import theme

MAX_BARS = 20
_RARE = 0.02  # a class under 2% of the rows is flagged


def target_of(spec, mapping: dict) -> tuple[str, str] | None:
    """(column, kind) whose distribution the panel shows for the task ``spec`` (its ``distribution``), or None."""
    role = spec.distribution
    if role is None:
        return None
    column = mapping.get(role[0])
    if isinstance(column, list):
        column = column[0] if column else None
    return (column, role[1]) if column else None


def _scope(dist) -> str:
    rows = f"{dist.rows:,} rows"
    return f"all {rows}" if dist.exact else f"the first {rows}"


def distribution_html(dist) -> str:
    """Bars (classes) or min/median/mean/max (values) for a Distribution."""
    if dist.kind == "lengths":
        return _lengths_html(dist)
    if dist.kind == "values":
        if not dist.summary:
            return theme.help_html(f"'{dist.column}': no numbers in {_scope(dist)}")
        cells = "".join(f"<td><small>{name}</small><br><b>{value:.4g}</b></td>" for name, value in dist.summary.items())
        return (f'<div class="tw-distribution"><b style="font-size:13px">Target {theme.esc(dist.column)}</b> '
                f'{theme.help_html(f"numeric, over {_scope(dist)}")}'
                f'<table class="tw-table" style="{theme.TABLE_STYLE}"><tr>{cells}</tr></table></div>')
    total = dist.total
    if not total:
        return theme.help_html(f"'{dist.column}': no labels in {_scope(dist)}")
    top = dist.counts[0][1]
    bars = []
    for label, count in dist.counts[:MAX_BARS]:
        share = count / total
        rare = share < _RARE or count < 2
        colour = theme.RED if rare else "#4c78a8"
        bars.append(
            f'<tr><td style="text-align:right;padding-right:6px;white-space:nowrap;max-width:220px;overflow:hidden;'
            f'text-overflow:ellipsis" title="{theme.esc(label)}">{theme.esc(label)}</td>'
            f'<td style="width:260px"><div style="background:{colour};height:12px;'
            f'width:{max(1, round(240 * count / top))}px">'
            f'</div></td><td style="white-space:nowrap"><small>{count:,} ({share:.0%})</small></td></tr>')
    more = len(dist.counts) - MAX_BARS
    note = [f"{len(dist.counts)} classes over {_scope(dist)}" + (f", {total:,} {dist.unit}" if dist.unit != "rows"
                                                                    else "")]
    if more > 0:
        note.append(f"{more} more not shown")
    rare = [label for label, count in dist.counts if count / total < _RARE or count < 2]
    if rare:
        note.append(f"rare (red): {', '.join(rare[:5])}{' ...' if len(rare) > 5 else ''}")
    if len(dist.counts) == 1:
        note.append("only one class: a classifier needs at least two")
    return (f'<div class="tw-distribution"><b style="font-size:13px">Label distribution: '
            f'{theme.esc(dist.column)}</b> {theme.help_html("; ".join(note))}'
            f'<table style="border-collapse:collapse;font-size:12px;margin-top:4px">{"".join(bars)}</table></div>')


def _lengths_html(dist) -> str:
    """Bars per answer length in words, shortest first, with the median and longest."""
    total = dist.total
    if not total:
        return theme.help_html(f"'{dist.column}': no answers in {_scope(dist)}")
    top = max(count for _, count in dist.counts)
    bars = "".join(
        f'<tr><td style="text-align:right;padding-right:6px;white-space:nowrap">{theme.esc(label)}</td>'
        f'<td style="width:260px"><div style="background:#4c78a8;height:12px;'
        f'width:{max(1, round(240 * count / top))}px"></div></td>'
        f'<td style="white-space:nowrap"><small>{count:,} ({count / total:.0%})</small></td></tr>'
        for label, count in dist.counts)
    summary = dist.summary
    note = f"words per answer over {_scope(dist)}" + (
        f"; median {summary['median']:.3g}, longest {summary['max']:.0f}" if summary else "")
    return (f'<div class="tw-distribution tw-lengths"><b style="font-size:13px">Answer lengths: '
            f'{theme.esc(dist.column)}</b> {theme.help_html(note)}'
            f'<table style="border-collapse:collapse;font-size:12px;margin-top:4px">{bars}</table></div>')
