"""Charts drawn on the server as SVG, for pages that show figures over time.

pygal (a charting library) lays the chart out; what reaches the page is rebuilt from its
drawing with `format_html`, keeping only drawing elements and their geometry: no script, no
style sheet, no style attribute, no event handler (the Content-Security-Policy allows none of
them), no comments. Every attribute value is escaped. The colours and lines come from the
app's style sheet (`.app-chart` in static/src/scss/app.scss), and each series is told apart
by its line pattern and marker as well as its colour.

The chart is an image to assistive technology (`role="img"`) named by its title and
description; the table printed beside it is its accessible equivalent, and nothing in the
chart needs a mouse (no tooltips, nothing to hover).
"""

from functools import lru_cache

import pygal
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

SVG_NS = "{http://www.w3.org/2000/svg}"

# The drawing elements kept, and the attributes kept on them (geometry and classes only).
ELEMENTS = {"svg", "g", "path", "rect", "line", "circle", "text", "tspan"}
ATTRIBUTES = {
    "class",
    "d",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "cx",
    "cy",
    "r",
    "width",
    "height",
    "transform",
    "viewBox",
    "text-anchor",
}
# pygal's interactive parts (tooltips, hover overlays): left out.
LEFT_OUT_CLASSES = {"tooltip-overlay", "tooltip", "text-overlay", "no_data"}

WIDTH, HEIGHT = 640, 300


def _local(tag) -> str:
    """An element's name without its namespace ("" for a comment or processing instruction)."""
    return tag.removeprefix(SVG_NS) if isinstance(tag, str) else ""


def _rebuild(element) -> SafeString:
    """An element and its kept children, escaped (an unknown element is left out whole)."""
    tag = _local(element.tag)
    classes = set((element.get("class") or "").split())
    if tag not in ELEMENTS or classes & LEFT_OUT_CLASSES:
        return SafeString("")
    attributes = format_html_join(
        "",
        ' {}="{}"',
        ((name, value) for name, value in element.attrib.items() if name in ATTRIBUTES),
    )
    children = format_html_join("", "{}", ((_rebuild(child),) for child in element))
    text = element.text if tag in ("text", "tspan") else ""
    return format_html("<{}{}>{}{}</{}>", tag, attributes, text or "", children, tag)


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    unit: str = "",
) -> SafeString:
    """A line chart of one or more series over the labels (months), as inline SVG.

    Drawn once per process for the same figures: the key is everything drawn, so a kept
    chart is never out of date (the next day's or the next record's figures are a new key)."""
    return _drawn(
        chart_id,
        title,
        description,
        tuple(labels),
        tuple((name, tuple(values)) for name, values in series),
        unit,
    )


@lru_cache(maxsize=256)
def _drawn(chart_id, title, description, labels, series, unit) -> SafeString:
    chart = pygal.Line(
        width=WIDTH,
        height=HEIGHT,
        explicit_size=False,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=min(len(series), 3),
        include_x_axis=True,
        margin_right=96,
        show_x_guides=False,
        show_dots=False,
        show_y_guides=True,
        x_label_rotation=0 if len(labels) <= 4 else 30,
        truncate_label=-1,
        y_title=unit or None,
        allow_interruptions=True,
        js=[],
        css=[],
        no_prefix=True,
        disable_xml_declaration=True,
    )
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, values)
    drawing = chart.render_tree()
    # The whole chart, left out of pygal's <defs> (its style sheet and script) and <title>.
    graph = [child for child in drawing if _local(child.tag) == "g"]
    body = format_html_join("", "{}", ((_rebuild(child),) for child in graph))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" viewBox="0 0 {} {}" '
        'role="img" aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        body,
    )
