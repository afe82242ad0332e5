"""Fill translations into the catalogs from a JSON file, matching each entry by (context, msgid):

    python locale/fill.py translations.json

The file is a list of {"msgctxt": ... or null, "msgid": ..., "fr": ..., "ja": ..., "ko": ...}; a
plural entry gives a list per language (French two forms, Japanese and Korean one). An entry filled
here loses its "fuzzy" mark. Entries not in the catalog are reported, not added (run `make messages`
first); placeholders must match the msgid's (checked, a mismatch is reported and skipped).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{\s*\w+\s*\}\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def fill(path: str) -> int:
    items = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = 0
    for language in ("fr", "ja", "ko"):
        catalog = LOCALE / language / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(catalog))
        entries = {(e.msgctxt or None, e.msgid): e for e in po if not e.obsolete}
        for item in items:
            entry = entries.get((item.get("msgctxt") or None, item["msgid"]))
            text = item.get(language)
            if entry is None or not text:
                print(f"{language}: not in the catalog or no text: {item['msgid'][:60]!r}")
                problems += 1
                continue
            forms = text if isinstance(text, list) else [text]
            if any(placeholders(f) != placeholders(entry.msgid) for f in forms):
                print(f"{language}: placeholders differ: {item['msgid'][:60]!r}")
                problems += 1
                continue
            if entry.msgid_plural:
                entry.msgstr_plural = dict(enumerate(forms))
            else:
                entry.msgstr = forms[0]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgctxt = entry.previous_msgid_plural = None
        po.save(str(catalog))
        po.save_as_mofile(str(catalog.with_suffix(".mo")))
    return problems


if __name__ == "__main__":
    sys.exit(1 if fill(sys.argv[1]) else 0)
