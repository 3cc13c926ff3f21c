"""The SVG charts (pure): drawn on the server, no script, nothing fetched, labelled."""

from __future__ import annotations

import re

from activity_api.ui.charts import bars


def test_bars_are_self_contained_labelled_svg() -> None:
    svg = bars(
        "Heures par activité",
        ["Accueil de jour", "Ambulatoire"],
        [("Heures", [12.5, 3.0]), ("Autres", [1.0, 0.0])],
        stacked=True,
    )
    assert svg.startswith('<svg role="img" aria-label="Heures par activité"')
    assert "<script" not in svg
    # No address a browser would fetch: only the SVG namespace and pygal's comments.
    fetched = re.findall(r'(?:href|src)="([^"#][^"]*)"', svg)
    assert fetched == []
    assert "Accueil de jour" in svg
    # One bar per value of each series.
    assert len(re.findall(r'class="rect reactive tooltip-trigger"', svg)) == 4


def test_an_empty_series_still_draws() -> None:
    svg = bars("Places", ["Accueil de nuit"], [("Places installées", [0])], horizontal=True)
    assert svg.count("<svg") == 1
    assert "Accueil de nuit" in svg


def test_the_same_figures_are_drawn_once_other_figures_again() -> None:
    from activity_api.ui.charts import _bars

    _bars.cache_clear()
    first = bars("Jeunes par mois", ["janvier", "février"], [("Jeunes", [3, 4])])
    again = bars("Jeunes par mois", ("janvier", "février"), [("Jeunes", (3, 4))])
    assert again == first
    assert _bars.cache_info().hits == 1
    changed = bars("Jeunes par mois", ["janvier", "février"], [("Jeunes", [3, 5])])
    assert changed != first
    assert _bars.cache_info().misses == 2
