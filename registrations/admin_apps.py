"""The admin app, with our site class as `admin.site` (kept apart: it is imported before models load)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "registrations.admin_site.RegistrationAdminSite"
