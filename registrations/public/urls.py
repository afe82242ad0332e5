"""The public pages' addresses: the agenda, the signup, the invitee's pages, the delegate's own pages
behind the private link (their visa letter, the list of participants), the lost-link form, the
participant list and the verification of a visa letter."""

from django.urls import path

from registrations.public import documents, invitations, lost_link, photos, self_service, verify, views

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("privacy/", views.privacy, name="privacy"),
    path("participants/", self_service.participants, name="participants"),
    path("link/", lost_link.lost_link, name="lost_link"),
    path("link/sent/", lost_link.lost_link_sent, name="lost_link_sent"),
    path("withdrawn/<slug:slug>/", self_service.withdrawn, name="withdrawn"),
    path("invite/<str:token>/", invitations.invitation, name="invitation"),
    path("invite/<str:token>/opened/", invitations.opened, name="invitation_opened"),
    path("invite/<str:token>/decline/", invitations.decline, name="decline_invitation"),
    path("declined/<slug:slug>/", invitations.declined, name="invitation_declined"),
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
    path("r/<str:token>/photo/", photos.add_photo, name="add_photo"),
    path("r/<str:token>/photo.jpg", photos.own_photo, name="own_photo"),
    path("r/<str:token>/participants/", self_service.participants_for_delegate, name="participants_for_delegate"),
    path("r/<str:token>/visa-letter/", documents.visa_request, name="visa_request"),
    path("r/<str:token>/visa-letter.pdf", documents.visa_letter, name="visa_letter"),
    path(
        "r/<str:token>/list-of-participants.<str:file_format>",
        documents.participants_list_file,
        name="participants_list_file",
    ),
    path("verify/<str:reference>/", verify.verify_letter, name="verify_letter"),
]
