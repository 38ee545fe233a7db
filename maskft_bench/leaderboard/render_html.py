"""leaderboard/index.html: a static page (no server) built from the ranked entries.

The skeleton is a Jinja2 template with autoescaping; the entries travel as JSON inside
<script type="application/json"> with <, > and & escaped, so no submitted string can close the
script element, and page.js puts every string into the DOM as text, never as HTML.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..suite import SUITE_VERSION
from .reproductions import REPRODUCED_SHARE
from .table import Board, method_colours

PAGE_DIR = Path(__file__).with_name("page")
VENDOR = {"tabulator_js": "vendor/tabulator-tables/tabulator.min.js",
          "tabulator_css": "vendor/tabulator-tables/tabulator.min.css",
          "chart_js": "vendor/chart.js/chart.umd.min.js"}


def script_json(value: object) -> Markup:
    """JSON that is safe inside a <script> element: <, > and & become \\u escapes."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=True, allow_nan=False,
                      separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def page_data(board_list: Sequence[Board]) -> dict:
    entries = [{**asdict(r.entry), "rank": r.rank, "board": board.key}
               for board in board_list for r in board.ranked]
    return {
        "boards": [{"key": b.key, "title": b.title, "command": b.suite_command, "math": b.math}
                   for b in board_list],
        "methods": method_colours(e["method"] for e in entries),
        "entries": entries,
    }


def render_html(board_list: Sequence[Board]) -> str:
    env = Environment(loader=FileSystemLoader(PAGE_DIR), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    return env.get_template("index.html.j2").render(
        data=script_json(page_data(board_list)),
        css=Markup((PAGE_DIR / "page.css").read_text()),
        js=Markup((PAGE_DIR / "page.js").read_text()),
        vendor=VENDOR,
        suite_version=SUITE_VERSION,
        reproduced_share=f"{REPRODUCED_SHARE:.0%}",
        submissions=sum(len(b.ranked) for b in board_list),
    )
