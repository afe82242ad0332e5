from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

admin.site.site_header = _("AISI Network registration")
admin.site.site_title = _("AISI Network registration")
admin.site.index_title = _("Organizer desk")
admin.site.enable_nav_sidebar = False  # the delegate list needs the width

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    # Django's set_language (the language switch posts here); URLs carry no language prefix.
    path("i18n/", include("django.conf.urls.i18n")),
    # The JavaScript catalog, loaded as a script file (CSP: no inline script).
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["registrations"]), name="javascript-catalog"),
    path("", include("registrations.urls")),
]
