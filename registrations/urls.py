"""Every interface's addresses under one namespace (`registrations:<name>`): each interface package
lists its own (public, portal, door); the admin is mounted in config/urls.py."""

from registrations.door import urls as door
from registrations.portal import urls as portal
from registrations.public import urls as public

app_name = "registrations"

urlpatterns = [*public.urlpatterns, *portal.urlpatterns, *door.urlpatterns]
