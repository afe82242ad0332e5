import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.urls import reverse

from registrations.management.demo_data import DEMO_FOCAL_POINT
from registrations.models import FocalPoint


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo's superuser 'admin', organizer 'organizer', door staff 'door' and badge "
        "desk 'desk', and the password of one sample focal point, with fresh random passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Where the demo is served.")

    def handle(self, *args, url, **options):
        users = get_user_model()
        admin_password = secrets.token_urlsafe(12)
        organizer_password = secrets.token_urlsafe(12)
        admin, _ = users.objects.get_or_create(username="admin", defaults={"email": "admin@example.org"})
        admin.is_staff = admin.is_superuser = True
        admin.set_password(admin_password)
        admin.save()
        organizer, _ = users.objects.get_or_create(username="organizer", defaults={"email": "organizer@example.org"})
        organizer.is_staff = True
        organizer.is_superuser = False
        organizer.set_password(organizer_password)
        organizer.save()
        organizer.groups.add(Group.objects.get(name="Organizers"), Group.objects.get(name="Visa officers"))
        door_password = secrets.token_urlsafe(12)
        door, _ = users.objects.get_or_create(username="door", defaults={"email": "door@example.org"})
        door.is_staff = door.is_superuser = False  # the door pages only, never the admin
        door.set_password(door_password)
        door.save()
        door.groups.add(Group.objects.get(name="Door staff"))
        desk_password = secrets.token_urlsafe(12)
        desk, _ = users.objects.get_or_create(username="desk", defaults={"email": "desk@example.org"})
        desk.is_staff = desk.is_superuser = False  # the badge desk's pages only
        desk.set_password(desk_password)
        desk.save()
        desk.groups.add(Group.objects.get(name="Badge desk"))
        focal_line = ""
        focal_point = (
            FocalPoint.objects.select_related("user", "institute").filter(user__username=DEMO_FOCAL_POINT).first()
        )
        if focal_point is not None:
            focal_password = secrets.token_urlsafe(12)
            focal_point.user.set_password(focal_password)
            focal_point.user.save(update_fields=["password"])
            portal = url.rstrip("/") + reverse("registrations:portal")
            focal_line = (
                f"  Institute portal: {portal}\n"
                f"    focal point ({focal_point.institute.member})  {DEMO_FOCAL_POINT} / {focal_password}\n"
            )
        url = url.rstrip("/") + "/"
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Demo is ready at {url}\n"
                f"  Admin: {url}{settings.ADMIN_PATH}\n"
                f"    superuser  admin      / {admin_password}\n"
                f"    organizer  organizer  / {organizer_password}\n"
                f"  Door: {url}door/\n"
                f"    door staff door       / {door_password}\n"
                f"  Badge desk: {url}desk/\n"
                f"    badge desk desk       / {desk_password}\n"
                f"{focal_line}"
                "  (new random passwords each time `make run` starts)\n"
            )
        )
