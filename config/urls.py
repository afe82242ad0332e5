from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import JavaScriptCatalog, set_language

admin.site.site_header = _("AISI Network registration")
admin.site.site_title = _("AISI Network registration")
admin.site.index_title = _("Organizer desk")
admin.site.enable_nav_sidebar = False  # the delegate list needs the width

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    # Django's set_language: the language switch on every page posts here; URLs carry no language
    # prefix. Exempt from CSRF so that cached pages carry no per-visitor token in the switch: a forged
    # post can only change a visitor's language, which they change back with the same switch.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    # The JavaScript catalog, loaded as a script file (CSP: no inline script).
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["registrations"]), name="javascript-catalog"),
    path("", include("registrations.urls")),
]

handler400 = "registrations.web.error_pages.bad_request"
handler403 = "registrations.web.error_pages.permission_denied"
handler404 = "registrations.web.error_pages.page_not_found"
handler500 = "registrations.web.error_pages.server_error"
