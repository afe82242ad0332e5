"""Each email's subject, by kind (in the recipient's language when rendered; `%(event)s` the event)."""

from django.utils.translation import gettext_lazy as _

from registrations.models import EmailKind

SUBJECTS = {
    EmailKind.REGISTRATION_RECEIVED: _("We received your registration for %(event)s"),
    EmailKind.ALREADY_REGISTERED: _("This address is already registered for %(event)s"),
    EmailKind.APPROVED: _("Your registration for %(event)s is approved"),
    EmailKind.REJECTED: _("Your registration for %(event)s"),
    EmailKind.PROMOTED: _("A seat opened for you at %(event)s"),
    EmailKind.SEATS_CANCELLED: _("A change to your sessions at %(event)s"),
    EmailKind.WITHDRAWN: _("You have withdrawn from %(event)s"),
    EmailKind.LOST_LINK: _("Your registration link for %(event)s"),
    EmailKind.UNDER_REVIEW: _("Your registration for %(event)s is under review again"),
    EmailKind.SESSION_CANCELLED: _("A session of %(event)s was cancelled"),
    EmailKind.SEATS_CLASHED: _("Two of your sessions at %(event)s are at the same time"),
    EmailKind.INVITATION: _("Invitation to %(event)s"),
    EmailKind.INVITATION_REMINDER: _("Reminder: your invitation to %(event)s expires soon"),
    EmailKind.ORGANIZER_MESSAGE: _("A message from the organizers of %(event)s"),  # the message's own subject is used
    EmailKind.BADGE_REISSUED: _("Your new badge for %(event)s"),
    EmailKind.FOCAL_POINT_ACTIVATION: _("Your access to the institute portal"),
    EmailKind.FOCAL_POINT_DIGEST: _("Your institute's delegates: new registrations and decisions"),
    EmailKind.PHOTO_REFUSED: _("Please send another photo for %(event)s"),
    EmailKind.VISA_LETTER_ISSUED: _("Your visa support letter for %(event)s"),
    EmailKind.VISA_LETTER_DECLINED: _("Your request for a visa support letter for %(event)s"),
}
