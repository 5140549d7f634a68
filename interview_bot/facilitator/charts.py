"""Geometry of the dashboard's SVG charts, computed on the server (no script, no CDN).

Each function returns plain numbers the templates place with SVG presentation
attributes (x, y, width…) and classes; colours live in style.css, never in a
`style` attribute (the Content-Security-Policy forbids inline styles).
"""
from __future__ import annotations

import math

BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, CHART_WIDTH = 22, 8, 170, 560


def bars(items: list[tuple[str, float]], width: int = CHART_WIDTH) -> dict:
    """A horizontal bar chart: one row per (label, value)."""
    top = max([v for _l, v in items] + [1])
    room = width - LABEL_WIDTH - 50
    rows = []
    for i, (label, value) in enumerate(items):
        rows.append({"label": label, "value": value, "y": i * (BAR_HEIGHT + BAR_GAP),
                     "width": round(room * value / top, 1) if value else 0})
    return {"rows": rows, "width": width, "height": max(1, len(rows)) * (BAR_HEIGHT + BAR_GAP),
            "x0": LABEL_WIDTH, "bar": BAR_HEIGHT}


def stacked(items: list[tuple[str, float, float]], width: int = CHART_WIDTH) -> dict:
    """Two bars per row (offers and needs), side by side in one row."""
    top = max([a + b for _l, a, b in items] + [1])
    room = width - LABEL_WIDTH - 60
    rows = []
    for i, (label, a, b) in enumerate(items):
        wa = round(room * a / top, 1)
        rows.append({"label": label, "a": a, "b": b, "y": i * (BAR_HEIGHT + BAR_GAP), "wa": wa,
                     "wb": round(room * b / top, 1), "xb": LABEL_WIDTH + wa})
    return {"rows": rows, "width": width, "height": max(1, len(rows)) * (BAR_HEIGHT + BAR_GAP),
            "x0": LABEL_WIDTH, "bar": BAR_HEIGHT}


def funnel(steps: list[tuple[str, int]], width: int = CHART_WIDTH) -> dict:
    """Centred bars narrowing from proposals to realised synergies, with the rate between steps."""
    top = max([v for _l, v in steps] + [1])
    height = 40
    rows = []
    previous = None
    for i, (label, value) in enumerate(steps):
        w = max(2.0, (width - 40) * value / top)
        rate = None if not previous else round(100 * value / previous)
        rows.append({"label": label, "value": value, "x": round((width - w) / 2, 1), "y": i * (height + 6),
                     "width": round(w, 1), "rate": rate})
        previous = value
    return {"rows": rows, "width": width, "height": len(rows) * (height + 6), "bar": height}


def network(actors: list[dict], links: list[dict], width: int = 560, height: int = 420, pad: int = 24) -> dict:
    """Actors placed by longitude/latitude (equirectangular, scaled to fit), links between them."""
    if not actors:
        return {"nodes": [], "links": [], "width": width, "height": height}
    lats = [a["lat"] for a in actors]
    lons = [a["lon"] for a in actors]
    mid = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * mid, 1e-3)
    span_y = max(max(lats) - min(lats), 1e-3)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2
    pos = {}
    nodes = []
    for a in actors:
        x = round(off_x + (a["lon"] - min(lons)) * mid * scale, 1)
        y = round(height - off_y - (a["lat"] - min(lats)) * scale, 1)
        pos[a["id"]] = (x, y)
        nodes.append({"id": a["id"], "ref": a["ref"], "kind": a["kind"] or "company", "x": x, "y": y})
    lines = [{"x1": pos[l["a"]][0], "y1": pos[l["a"]][1], "x2": pos[l["b"]][0], "y2": pos[l["b"]][1],
              "kind": l["kind"]} for l in links if l["a"] in pos and l["b"] in pos]
    order = {"proposal": 0, "accepted": 1, "synergy": 2}
    lines.sort(key=lambda l: order.get(l["kind"], 0))  # synergies drawn last, on top
    return {"nodes": nodes, "links": lines, "width": width, "height": height}
