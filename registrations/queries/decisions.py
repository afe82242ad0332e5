"""What a decision will do, read before it is made: approved delegates per institute (the quota's
count) and, for the page that confirms an approval, who will be approved and who stays pending and why
(`rules.approval_refusal`, the approval's own answer)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db.models import Count

from registrations import rules
from registrations.models import Delegate, DelegateStatus


def approved_counts(event_ids: Iterable[int], institute_ids: Iterable[int]) -> Counter:
    """Approved delegates per (event id, institute id)."""
    rows = (
        Delegate.objects.filter(
            event_id__in=set(event_ids), institute_id__in=set(institute_ids), status=DelegateStatus.APPROVED
        )
        .values_list("event_id", "institute_id")
        .annotate(n=Count("pk"))
    )
    return Counter({(event_id, institute_id): n for event_id, institute_id, n in rows})


def approval_preview(
    delegates: list[Delegate], *, override: bool = False
) -> tuple[list[Delegate], list[tuple[Delegate, str]]]:
    """Of these delegates (with their institutes), who an approval now would approve, and who it would
    leave as they are with the reason: not pending, not endorsed where required (unless `override`),
    or beyond the institute's quota (counting those approved before them in the list)."""
    approved = approved_counts({d.event_id for d in delegates}, {d.institute_id for d in delegates if d.institute_id})
    will, skipped = [], []
    for delegate in sorted(delegates, key=lambda d: d.pk):  # the approval's own order (its locks')
        if not rules.may_move(delegate.status, DelegateStatus.APPROVED):
            skipped.append((delegate, rules.refusal_for(delegate, DelegateStatus.APPROVED)))
            continue
        refusal = rules.approval_refusal(delegate, delegate.institute, approved, override=override)
        if refusal is not None:
            skipped.append((delegate, refusal))
            continue
        if delegate.institute_id:
            approved[(delegate.event_id, delegate.institute_id)] += 1
        will.append(delegate)
    return will, skipped
