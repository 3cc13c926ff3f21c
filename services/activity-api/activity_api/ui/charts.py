"""Server-side SVG charts (pygal): no JavaScript, no CDN, nothing fetched by the browser.

Pure functions: series in, SVG text out. pygal's tooltips script (fetched from a CDN by
default) is turned off; the SVG carries ``role="img"`` and a French label, and every chart
has its figures in a table beside it (the page's template).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Sequence
from html import escape

import pygal
from pygal.style import Style

# pygal appends to ``sys.meta_path`` a finder for its map plugins (``pygal.maps.*``, not
# used here) that has no ``find_spec``: every later failed import then warns
# (ImportWarning). The web app draws no map: the finder goes.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__module__ != "pygal"]

CHARTS_REMEMBERED = 256

# Dark enough on white for text and marks (contrast AA); one hue per series.
COLOURS = ("#1f4e79", "#b35900", "#2e7d32", "#6a1b9a", "#8a1c1c", "#00695c", "#4a4a4a")
_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#4a4a4a",
    colors=COLOURS,
    font_family="system-ui, 'Liberation Sans', Arial, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=13,
    opacity="1",
    opacity_hover="1",
)


def _config(kind: type[pygal.graph.graph.Graph], **options: object) -> pygal.graph.graph.Graph:
    return kind(
        style=_STYLE,
        js=[],  # no script from a CDN
        disable_xml_declaration=True,
        width=800,
        height=380,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        print_values=False,
        show_y_guides=True,
        truncate_legend=-1,
        truncate_label=-1,
        **options,
    )


# pygal writes its configuration for the tooltips script as an inline script: no script
# runs on the pages (Content-Security-Policy), so it goes.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _svg(chart: pygal.graph.graph.Graph, label: str) -> str:
    svg: str = _SCRIPT.sub("", chart.render(is_unicode=True))
    return svg.replace(
        "<svg ", f'<svg role="img" aria-label="{escape(label)}" focusable="false" ', 1
    )


def bars(
    label: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    stacked: bool = False,
    horizontal: bool = False,
) -> str:
    """A bar chart: one bar (or segment, ``stacked``) per series and category."""
    return _bars(
        label,
        tuple(categories),
        tuple((name, tuple(values)) for name, values in series),
        stacked,
        horizontal,
    )


# pygal spends 15-45 ms on one chart, and a chart is a pure function of its figures: the
# SVG of the same figures is served again from memory (the dashboard reloaded, another
# user of the establishment). Bounded: a few MB per process at most.
@functools.lru_cache(maxsize=CHARTS_REMEMBERED)
def _bars(
    label: str,
    categories: tuple[str, ...],
    series: tuple[tuple[str, tuple[float, ...]], ...],
    stacked: bool,
    horizontal: bool,
) -> str:
    if stacked:
        kind: type[pygal.graph.graph.Graph] = pygal.StackedBar
    elif horizontal:
        kind = pygal.HorizontalBar
    else:
        kind = pygal.Bar
    chart = _config(kind, show_legend=len(series) > 1, x_label_rotation=0)
    chart.x_labels = list(categories)
    for name, values in series:
        chart.add(name, list(values))
    return _svg(chart, label)
