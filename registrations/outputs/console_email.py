"""`make run`'s email backend: each email as a few readable lines on the console.

Django's console backend prints the whole multipart MIME message (an approval with its badge and
calendar file is hundreds of lines of base64), so a delegate's private link is lost in it. This one
(a subclass of Django's console backend, overriding its documented `write_message`) prints who it is
for, the subject, every link in the text and the names of the attachments:

    ✉ To: priya.shah@aisi.gov.uk  ·  Your registration for the Convening ... was received
      http://127.0.0.1:8000/r/…/
      attached: badge.pdf, convening.ics

For development only: like the console backend it prints private links (`check --deploy` warns,
registrations.W003).
"""

from __future__ import annotations

import re

from django.core.mail.backends.console import EmailBackend as ConsoleBackend

LINK = re.compile(r"https?://[^\s<>\"')\]]+")


def summary(message) -> str:
    """An email in a few lines: recipients and subject, its links (each once, in order), attachments."""
    lines = [f"✉ To: {', '.join(message.to)}  ·  {message.subject}"]
    lines += [f"  {link}" for link in dict.fromkeys(LINK.findall(message.body))]
    # An attachment is a (filename, content, mimetype) tuple, or a MIME part that names its file.
    names = [item[0] if isinstance(item, tuple) else item.get_filename() for item in message.attachments]
    if names := [name for name in names if name]:
        lines.append(f"  attached: {', '.join(names)}")
    return "\n".join(lines) + "\n"


class EmailBackend(ConsoleBackend):
    def write_message(self, message):
        self.stream.write(summary(message))
