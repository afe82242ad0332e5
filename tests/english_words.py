"""The English-only words of the interface, to check that a French page or message has none of them."""

import html as html_module
import re

# Words and phrases of the English interface that must never show on a French page or in a French message.
ENGLISH_ONLY = [
    "Register",
    "Registration",
    "Session",
    "Sessions",
    "seats left",
    "seat left",
    "Waitlist",
    "waitlist",
    "Withdraw",
    "withdraw",
    "Privacy",
    "Agenda",
    "Email",
    "Dear",
    "Pending",
    "Approved",
    "Confirmed",
    "Requested",
    "Government only",
    "Open",
    "Full",
    "Your",
    "You",
    "Please",
    "Thank",
    "the",
    "and",
    "with",
    "your",
    "Save",
    "Details",
    "Back",
    "Change",
]
ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(word) for word in ENGLISH_ONLY) + r")\b")


def english_words(text: str) -> list[str]:
    text = re.sub(r"https?://\S+|/r/\S+", " ", text)  # links carry random tokens
    return sorted(set(ENGLISH_RE.findall(text)))


def page_text(response) -> str:
    return html_module.unescape(response.content.decode())


def visible_text(html: str) -> str:
    """A page's text and the attributes people read (labels, titles, button values), without markup.

    Institutes' names are official names, shown as the institutes write them.
    """
    html = re.sub(r'<select name="institute".*?</select>', " ", html, flags=re.S)
    attributes = re.findall(r'\b(?:aria-label|title|placeholder|alt|value)="([^"]*)"', html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    # The switch names each language in itself ("English", "français"): that is meant.
    return html_module.unescape(" ".join([text, *(a for a in attributes if not re.fullmatch(r"[\w./:-]*", a))]))
