"""The door's addresses (/door/: door staff) and the badge desk's (/desk/: badge-desk staff)."""

from django.urls import path

from registrations.door import desk, offline, views

urlpatterns = [
    path("door/", views.door, name="door"),
    path("door/login/", views.door_login, name="door_login"),
    path("door/logout/", views.door_logout, name="door_logout"),
    path("door/scan/", views.scan, name="door_scan"),
    path("door/undo/", views.undo, name="door_undo"),
    path("door/search/", views.search, name="door_search"),
    path("door/status/", views.status, name="door_status"),
    path("door/admit-list/", offline.admit_list, name="door_admit_list"),
    path("door/sync/", offline.sync, name="door_sync"),
    path("door/photo/<str:token>/", offline.photo, name="door_photo"),
    path("door/worker.js", offline.worker, name="door_worker"),
    path("desk/", desk.desk, name="desk"),
    path("desk/<uuid:public_id>/", desk.delegate_page, name="desk_delegate"),
    path("desk/<uuid:public_id>/activate/", desk.activate, name="desk_activate"),
    path("desk/<uuid:public_id>/reissue/", desk.reissue, name="desk_reissue"),
    path("desk/<uuid:public_id>/photo/", desk.photo, name="desk_photo"),
    path("desk/<uuid:public_id>/badge.pdf", desk.badge, name="desk_badge"),
]
