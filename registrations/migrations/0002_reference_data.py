"""Reference data: the ten members of the Network and their institutes, and the Organizers group."""

import csv
from pathlib import Path

from django.db import migrations

MEMBERS_CSV = Path(__file__).resolve().parent.parent / "data" / "members.csv"

ORGANIZER_PERMISSIONS = [
    ("registrations", "view_event"),
    ("registrations", "view_institute"),
    ("registrations", "view_session"),
    ("registrations", "change_session"),
    ("registrations", "view_delegate"),
    ("registrations", "change_delegate"),
    ("registrations", "decide_delegate"),
    ("registrations", "export_delegate"),
    ("registrations", "view_sessionregistration"),
    ("registrations", "view_auditentry"),
    ("registrations", "view_outboundemail"),
]


def load_members(apps, schema_editor):
    Institute = apps.get_model("registrations", "Institute")
    with MEMBERS_CSV.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            Institute.objects.update_or_create(
                iso_code=row["iso_code"],
                defaults={"member": row["member"], "name": row["institute"], "email_domains": row["email_domains"]},
            )


def create_organizers_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Organizers")
    for app_label, codename in ORGANIZER_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(load_members, migrations.RunPython.noop),
        migrations.RunPython(create_organizers_group, migrations.RunPython.noop),
    ]
