"""Content organizers write in every language of settings.LANGUAGES (django-modeltranslation).

Each field below gets one column per language on the same table (`title_en`, `title_fr` ...), so
pages, exports and the page cache read a translated title with no extra join or query. Reading
`session.title` gives the active language's text, or English when that one is empty.
"""

from modeltranslation.translator import TranslationOptions, register

from registrations.models import Event, Session


@register(Event)
class EventTranslationOptions(TranslationOptions):
    fields = (
        "name",
        "venue",
        "address",
        "practical_information",
        "visa_signatory_title",
        "visa_purpose",
        "visa_covered",
        "visa_not_covered",
    )
    required_languages = ("en",)


@register(Session)
class SessionTranslationOptions(TranslationOptions):
    fields = ("title", "description", "room")
    required_languages = {"en": ("title",)}
