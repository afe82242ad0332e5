"""One identity per email address: `Delegate.email_key`, unique per event instead of Lower("email").

Existing rows get their key from `rules.email_key`. A row whose address has no single
identity (a quoted or non-ASCII local part, e.g. "ıris@..."), or whose key another row of the
event already holds (the older registration keeps it), gets a key that is not an address
("#<id>:..."): nothing can match it, so it no longer stands in for anyone, and an organizer can
still see and correct it.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import Q


def fill_email_keys(apps, schema_editor):
    from registrations.models import Institute as CurrentInstitute
    from registrations.rules.errors import InvalidEmail
    from registrations.rules.identity import email_domain_matches, email_key, normalize_email

    Delegate = apps.get_model("registrations", "Delegate")
    Institute = apps.get_model("registrations", "Institute")
    # The official-domain check on the same key (a quoted "alice"@aisi.gov.uk was "verified").
    institutes = {i.pk: CurrentInstitute(email_domains=i.email_domains) for i in Institute.objects.all()}
    taken = set()
    changed = []
    for delegate in Delegate.objects.order_by("event_id", "created_at", "pk").iterator():
        try:
            key = email_key(delegate.email)
            delegate.email = normalize_email(delegate.email)
        except InvalidEmail:
            key = None
        if key is None or (delegate.event_id, key) in taken:
            key = f"#{delegate.pk}:{delegate.email.lower()}"[:254]
        taken.add((delegate.event_id, key))
        delegate.email_key = key
        delegate.email_domain_verified = email_domain_matches(delegate.email, institutes.get(delegate.institute_id))
        changed.append(delegate)
    Delegate.objects.bulk_update(changed, ["email", "email_key", "email_domain_verified"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0008_delegate_language_and_translations"),
    ]

    operations = [
        migrations.AddField(
            model_name="delegate",
            name="email_key",
            field=models.CharField(default="", editable=False, max_length=254),
            preserve_default=False,
        ),
        migrations.RunPython(fill_email_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="delegate", name="delegate_email_unique_per_event"),
        migrations.AddConstraint(
            model_name="delegate",
            constraint=models.UniqueConstraint(
                fields=("event", "email_key"),
                name="delegate_email_key_unique_per_event",
                violation_error_message="A delegate with this email is already registered for this event.",
            ),
        ),
        migrations.AddConstraint(
            model_name="delegate",
            constraint=models.CheckConstraint(condition=~Q(email_key=""), name="delegate_email_key_set"),
        ),
        migrations.CreateModel(
            name="LostLinkRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email_key", models.CharField(max_length=254)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "event",
                    models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="+", to="registrations.event"),
                ),
            ],
            options={"ordering": ["created_at", "id"]},
        ),
    ]
