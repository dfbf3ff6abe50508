"""The Jinja2 environment of the report pages: templates from the package, autoescaped, with two number filters.

Every `{{ value }}` in a template is HTML-escaped unless it is already markup (`Markup`, a macro's result): the
escape is the standard library's `html.escape(quote=True)`, which writes `&#x27;` and `&quot;` (markupsafe's default
would write `&#39;` and `&#34;`, the same characters), so pages read as they always have and tests compare with
`html.escape`.
"""

from __future__ import annotations

import html
import json
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from voicetrainer.reports.charts import mood_word


def _escape(value: Any) -> Any:
    """`finalize` hook: escape plain values ourselves; markup passes through (autoescape then leaves it alone)."""
    return value if hasattr(value, "__html__") else Markup(html.escape(str(value), quote=True))


def fmt(value: float, spec: str) -> str:
    """`{{ x|fmt(".2f") }}`: Python's format() in a template."""
    return format(value, spec)


def script_json(data: Any) -> Markup:
    """Compact JSON for a `<script type="application/json">` element.

    A "<" inside the JSON could end the element early ("</script>"); \\u003c is the same JSON string.
    """
    return Markup(json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c"))


ENV = Environment(
    loader=PackageLoader("voicetrainer.reports", "templates"),
    autoescape=True,
    finalize=_escape,
    undefined=StrictUndefined,   # a misspelt name fails the render instead of printing nothing
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
ENV.filters["fmt"] = fmt
ENV.filters["script_json"] = script_json
ENV.globals["mood_word"] = mood_word


def render(template: str, **context: Any) -> str:
    """Render one page template with `context`."""
    return ENV.get_template(template).render(**context)


def macro(name: str) -> Any:
    """A macro of templates/_parts.html.j2, callable from Python (returns Markup)."""
    return getattr(ENV.get_template("_parts.html.j2").module, name)
