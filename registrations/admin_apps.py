"""The admin app, with our site as `admin.site` (this module stays outside the admin package)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "registrations.admin.site.default_site"
