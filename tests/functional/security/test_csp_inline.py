"""The Content-Security-Policy (script-src 'self', no 'unsafe-inline') blocks inline script, which is what stops an
injected `<img onerror>` — and it blocked the pages' own inline handler too: the 打印本页 button of every
application page (onclick="window.print()") did nothing in a browser. No template may carry inline script, inline
handlers or `javascript:` URLs; the button is bound by portal/static/print.js."""
from __future__ import annotations

import re
from pathlib import Path

import portal
from portal.headers import CSP

TEMPLATES = Path(portal.__file__).parent / "templates"
INLINE = [re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), re.compile(r"\son[a-z]+\s*=", re.I), re.compile(r"javascript:", re.I)]


def test_the_policy_allows_no_inline_script():
    script = next(part for part in CSP.split(";") if part.strip().startswith("script-src")).split()
    assert script == ["script-src", "'self'"]


def test_no_template_relies_on_inline_script():
    found = [f"{path.name}: {match.group(0)}" for path in sorted(TEMPLATES.glob("*.jinja2"))
             for pattern in INLINE for match in pattern.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_print_button_is_bound_by_a_script_of_this_site(api):
    macros = (TEMPLATES / "macros.jinja2").read_text(encoding="utf-8")
    assert "data-print" in macros and "portal:static/print.js" in macros
    served = api.get("/static/print.js")
    assert served.content_type in ("application/javascript", "text/javascript")
    assert "window.print()" in served.text and "[data-print]" in served.text
