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
