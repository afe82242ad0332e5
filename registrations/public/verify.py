"""A consulate verifies a visa letter: `/verify/<reference>/`, public, rate-limited per client address.

References are 128 random bits (`models.documents.new_reference`), so none can be guessed; an unknown
reference, a malformed one and a request that was never issued all get the same 404 page.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_ratelimit.decorators import ratelimit

from registrations.queries import documents


def verify_rate(group, request) -> str:
    return settings.VERIFY_RATE


@never_cache
@ratelimit(group="verify_letter", key="ip", rate=verify_rate, method=ratelimit.ALL)
@require_safe
def verify_letter(request, reference: str):
    found = documents.verification(reference)
    return render(
        request,
        "registrations/verify_letter.html",
        {"verification": found},
        status=200 if found is not None else 404,
    )
