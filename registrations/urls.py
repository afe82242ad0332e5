from django.urls import path

from registrations.door import views as door_views
from registrations.portal import accounts as portal_accounts
from registrations.portal import views as portal
from registrations.public import invitations as invite
from registrations.public import self_service, views

app_name = "registrations"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("privacy/", views.privacy, name="privacy"),
    path("participants/", self_service.participants, name="participants"),
    path("link/", self_service.lost_link, name="lost_link"),
    path("link/sent/", self_service.lost_link_sent, name="lost_link_sent"),
    path("withdrawn/<slug:slug>/", self_service.withdrawn, name="withdrawn"),
    # The institute portal (focal points).
    path("institute/", portal.home, name="portal"),
    path("institute/login/", portal_accounts.PortalLogin.as_view(), name="portal_login"),
    path("institute/logout/", portal_accounts.portal_logout, name="portal_logout"),
    path("institute/activate/<str:uidb64>/<str:token>/", portal_accounts.activate, name="portal_activate"),
    path("institute/enroll/", portal_accounts.enroll, name="portal_enroll"),
    path("institute/<slug:slug>/", portal.event_delegation, name="portal_event"),
    path("institute/<slug:slug>/decide/", portal.decide, name="portal_decide"),
    path("institute/<slug:slug>/nominate/", portal.nominate, name="portal_nominate"),
    path("institute/<slug:slug>/delegation.csv", portal.delegation_csv, name="portal_csv"),
    path("institute/<slug:slug>/delegation.xlsx", portal.delegation_xlsx, name="portal_xlsx"),
    path("institute/<slug:slug>/delegates/<int:delegate_id>/", portal.delegate_detail, name="portal_delegate"),
    # Invitation links.
    path("invite/<str:token>/", invite.invitation, name="invitation"),
    path("invite/<str:token>/decline/", invite.decline, name="decline_invitation"),
    path("declined/<slug:slug>/", invite.declined, name="invitation_declined"),
    # The private link and what it leads to.
    path("r/<str:token>/", self_service.status, name="status"),
    path("r/<str:token>/details/", self_service.edit_details, name="edit_details"),
    path("r/<str:token>/sessions/add/", self_service.add_session, name="add_session"),
    path("r/<str:token>/sessions/<int:session_id>/drop/", self_service.drop_session, name="drop_session"),
    path("r/<str:token>/language/", self_service.delegate_language, name="delegate_language"),
    path("r/<str:token>/replace-link/", self_service.replace_link, name="replace_link"),
    path("r/<str:token>/withdraw/", self_service.withdraw, name="withdraw"),
    path("r/<str:token>/calendar.ics", self_service.calendar_file, name="calendar"),
    path("r/<str:token>/my-data.json", self_service.my_data, name="my_data"),
    path("r/<str:token>/badge.pdf", self_service.badge_pdf, name="badge_pdf"),
    path("r/<str:token>/participants/", self_service.participants_for_delegate, name="participants_for_delegate"),
    # The door (door staff only).
    path("door/", door_views.door, name="door"),
    path("door/login/", door_views.door_login, name="door_login"),
    path("door/logout/", door_views.door_logout, name="door_logout"),
    path("door/scan/", door_views.scan, name="door_scan"),
    path("door/undo/", door_views.undo, name="door_undo"),
    path("door/search/", door_views.search, name="door_search"),
    path("door/status/", door_views.status, name="door_status"),
    path("door/admit-list/", door_views.admit_list, name="door_admit_list"),
    path("door/sync/", door_views.sync, name="door_sync"),
]
