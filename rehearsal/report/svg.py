"""Inline SVG built with ElementTree, so every user-written name is escaped by construction."""

from __future__ import annotations

import xml.etree.ElementTree as ET

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
UP = "#009E73"
DOWN = "#D55E00"
STATUS_FILL = {
    "passed": UP,
    "failed": DOWN,
    "error": "#CC79A7",
    "skipped": "#B0B0B0",
    "running": "#E69F00",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def canvas(width: float, height: float, label: str) -> ET.Element:
    root = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {width:.0f} {height:.0f}",
            "width": "100%",
            "role": "img",
            "aria-label": label,
            "font-family": FONT,
            "font-size": "12",
        },
    )
    ET.SubElement(root, "title").text = label
    return root


def hatch(root: ET.Element, pattern_id: str, colour: str) -> str:
    """A striped fill, so "down" and "over budget" read without colour too; returns its url()."""
    defs = ET.SubElement(root, "defs")
    pattern = ET.SubElement(
        defs,
        "pattern",
        {
            "id": pattern_id,
            "width": "6",
            "height": "6",
            "patternUnits": "userSpaceOnUse",
            "patternTransform": "rotate(45)",
        },
    )
    ET.SubElement(pattern, "rect", {"width": "6", "height": "6", "fill": colour})
    ET.SubElement(
        pattern, "rect", {"width": "2", "height": "6", "fill": "#ffffff", "opacity": ".45"}
    )
    return f"url(#{pattern_id})"


def rect(
    parent: ET.Element, x: float, y: float, w: float, h: float, fill: str, tip: str, css: str = ""
) -> ET.Element:
    attrs = {"x": _n(x), "y": _n(y), "width": _n(max(w, 1.0)), "height": _n(h), "fill": fill}
    if css:
        attrs["class"] = css
    box = ET.SubElement(parent, "rect", attrs)
    ET.SubElement(box, "title").text = tip
    return box


def text(
    parent: ET.Element,
    x: float,
    y: float,
    words: str,
    anchor: str = "start",
    css: str = "",
    fill: str = "#222",
    tip: str = "",
) -> ET.Element:
    """A text; with ``tip``, the full words show on hover (labels are often shortened)."""
    attrs = {"x": _n(x), "y": _n(y), "text-anchor": anchor, "fill": fill}
    if css:
        attrs["class"] = css
    node = ET.SubElement(parent, "text", attrs)
    node.text = words
    if tip:
        ET.SubElement(node, "title").text = tip
    return node


def line(
    parent: ET.Element, x1: float, y1: float, x2: float, y2: float, stroke: str, dash: str = ""
) -> ET.Element:
    attrs = {"x1": _n(x1), "y1": _n(y1), "x2": _n(x2), "y2": _n(y2), "stroke": stroke}
    if dash:
        attrs["stroke-dasharray"] = dash
    return ET.SubElement(parent, "line", attrs)


def shorten(words: str, limit: int) -> str:
    return words if len(words) <= limit else words[: limit - 1] + "…"


def serialise(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode")


def _n(value: float) -> str:
    return f"{value:.1f}"
