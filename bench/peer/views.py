"""The textbook peer: the signup a Django developer would write from the tutorial.

A `ModelForm` of Delegate in a `CreateView`, rendered with crispy, the same fields as ours, no
caching and none of our rules (no tiers, seats, quotas, duplicates by case, audit or outbox).
Bench-only: mounted by bench/urls.py under /bench/textbook/, never by the production URLs.
"""

from django import forms
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.views.generic import CreateView

from registrations.models import Delegate, Event, Session, SessionRegistration


class TextbookSignupForm(forms.ModelForm):
    sessions = forms.ModelMultipleChoiceField(
        queryset=Session.objects.all(), widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Delegate
        fields = [  # the fields our signup form shows
            "given_name",
            "family_name",
            "email",
            "stakeholder_type",
            "institute",
            "organization",
            "job_title",
            "country",
            "dietary_needs",
            "accessibility_needs",
            "needs_visa_letter",
            "consent_data_processing",
            "consent_participant_list",
            "language",
        ]


class TextbookSignupView(CreateView):
    form_class = TextbookSignupForm
    template_name = "peer/signup.html"
    success_url = reverse_lazy("textbook_done")

    def form_valid(self, form):
        form.instance.event = Event.objects.order_by("starts_on").first()
        form.instance.email_key = form.cleaned_data["email"].lower()  # a database constraint asks for it
        response = super().form_valid(form)
        SessionRegistration.objects.bulk_create(
            SessionRegistration(delegate=self.object, session=session) for session in form.cleaned_data["sessions"]
        )
        return response


def done(request):
    return HttpResponse("Thank you for registering.")
