"""Keep private links out of the logs.

A status link (/r/<token>/...) is a password: whoever reads it can change and withdraw that
registration; an invitation link (/invite/<token>/) lets whoever reads it register as the invitee
or decline for them. Django logs the path of every 4xx (`django.request`: "Gone: /r/<token>/"), of every
CSRF refusal (`django.security.csrf`) and of every request the development server answers
(`django.server`). This filter replaces the token with "[private]" in a record's message and
arguments before any handler sees it; settings.LOGGING puts it on those loggers and on our handler.
"""

import logging
import re

# A status link (/r/<token>/) and an invitation link (/invite/<token>/): both are bearer credentials.
PRIVATE_LINK = re.compile(r"(/r/|/invite/)[^/\s?#\"'<>]+")
REDACTED = r"\1[private]"


def redact(text: str) -> str:
    return PRIVATE_LINK.sub(REDACTED, text)


def _redact_argument(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | type(None)):
        return value
    text = str(value)  # e.g. a request object whose repr holds its path
    return redact(text) if PRIVATE_LINK.search(text) else value


class RedactPrivateLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redact_argument(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_redact_argument(value) for value in record.args)
        return True
