"""The institute portal's addresses (/institute/): focal points' accounts and their delegation."""

from django.urls import path

from registrations.portal import accounts, views

urlpatterns = [
    path("institute/", views.home, name="portal"),
    path("institute/login/", accounts.PortalLogin.as_view(), name="portal_login"),
    path("institute/logout/", accounts.portal_logout, name="portal_logout"),
    path("institute/activate/<str:uidb64>/<str:token>/", accounts.activate, name="portal_activate"),
    path("institute/enroll/", accounts.enroll, name="portal_enroll"),
    path("institute/<slug:slug>/", views.event_delegation, name="portal_event"),
    path("institute/<slug:slug>/decide/", views.decide, name="portal_decide"),
    path("institute/<slug:slug>/nominate/", views.nominate, name="portal_nominate"),
    path("institute/<slug:slug>/delegation.csv", views.delegation_csv, name="portal_csv"),
    path("institute/<slug:slug>/delegation.xlsx", views.delegation_xlsx, name="portal_xlsx"),
    path("institute/<slug:slug>/delegates/<int:delegate_id>/", views.delegate_detail, name="portal_delegate"),
    path(
        "institute/<slug:slug>/delegates/<int:delegate_id>/head/",
        views.head_of_delegation,
        name="portal_head_of_delegation",
    ),
    path(
        "institute/<slug:slug>/list-of-participants.<str:file_format>",
        views.participants_list_file,
        name="portal_participants_list",
    ),
]
