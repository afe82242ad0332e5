"""The door's addresses (/door/): door staff only."""

from django.urls import path

from registrations.door import views

urlpatterns = [
    path("door/", views.door, name="door"),
    path("door/login/", views.door_login, name="door_login"),
    path("door/logout/", views.door_logout, name="door_logout"),
    path("door/scan/", views.scan, name="door_scan"),
    path("door/undo/", views.undo, name="door_undo"),
    path("door/search/", views.search, name="door_search"),
    path("door/status/", views.status, name="door_status"),
    path("door/admit-list/", views.admit_list, name="door_admit_list"),
    path("door/sync/", views.sync, name="door_sync"),
]
