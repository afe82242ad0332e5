"""What every changelist of ours shares (registrations/admin/common.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import organizer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("selected", ["", "1.5", "abc", "1\x00"])
@pytest.mark.parametrize(
    ("changelist", "action"),
    [
        ("admin:registrations_delegate_changelist", "export_selected"),
        ("admin:registrations_visarequest_changelist", "issue_letters"),
    ],
)
def test_an_action_on_rows_that_are_not_ids_is_a_400_not_a_500(client, event, selected, changelist, action):
    """Found by the attack helper."""
    user = organizer()
    user.is_superuser = True
    user.save()
    client.force_login(user)
    response = client.post(reverse(changelist), {"action": action, "_selected_action": [selected]})
    assert response.status_code == 400
