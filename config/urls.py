from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "AISI Network registration"
admin.site.site_title = "AISI Network registration"
admin.site.index_title = "Organizer desk"
admin.site.enable_nav_sidebar = False  # the delegate list needs the width

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("", include("registrations.urls")),
]

handler400 = "registrations.error_pages.bad_request"
handler403 = "registrations.error_pages.permission_denied"
handler404 = "registrations.error_pages.page_not_found"
handler500 = "registrations.error_pages.server_error"
