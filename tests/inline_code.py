"""Find what a Content Security Policy without 'unsafe-inline' would block in an HTML page."""

from html.parser import HTMLParser

# Script elements the browser never runs (data islands such as Django's json_script).
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}


class _InlineCodeFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: str | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            elif name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            elif name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and "src" not in attributes:
            kind = (attributes.get("type") or "").lower()
            if kind not in DATA_SCRIPT_TYPES:
                self._script = tag
                self._script_text = []

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            text = "".join(self._script_text).strip()
            if text:
                self.problems.append(f"inline <script>: {text[:80]!r}")
            self._script = None


def inline_code(html: str) -> list[str]:
    """Every inline script, style element, style attribute, event handler or javascript: URL."""
    finder = _InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems
