"""The Network's ten members and their institutes, as each language names them.

The reference data (registrations/data/members.csv, loaded by migration 0002) stores the English
names; these are the same names marked for the catalogs, so a French page reads "Royaume-Uni" and
"Institut canadien de la sécurité de l'intelligence artificielle (ICSIA)". A name organizers type
that is not listed here shows as typed. A new language translates them in its catalog.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

MEMBER_NAMES = {
    "Australia": pgettext_lazy("member", "Australia"),
    "Canada": pgettext_lazy("member", "Canada"),
    "European Union": pgettext_lazy("member", "European Union"),
    "France": pgettext_lazy("member", "France"),
    "Japan": pgettext_lazy("member", "Japan"),
    "Kenya": pgettext_lazy("member", "Kenya"),
    "Republic of Korea": pgettext_lazy("member", "Republic of Korea"),
    "Singapore": pgettext_lazy("member", "Singapore"),
    "United Kingdom": pgettext_lazy("member", "United Kingdom"),
    "United States": pgettext_lazy("member", "United States"),
}

INSTITUTE_NAMES = {
    "Department of Industry Science and Resources": pgettext_lazy(
        "institute", "Department of Industry Science and Resources"
    ),
    "Canadian Artificial Intelligence Safety Institute (CAISI)": pgettext_lazy(
        "institute", "Canadian Artificial Intelligence Safety Institute (CAISI)"
    ),
    "European AI Office": pgettext_lazy("institute", "European AI Office"),
    "French government AI safety office": pgettext_lazy("institute", "French government AI safety office"),
    "Japan AI Safety Institute (J-AISI)": pgettext_lazy("institute", "Japan AI Safety Institute (J-AISI)"),
    "Ministry of Information Communications and the Digital Economy": pgettext_lazy(
        "institute", "Ministry of Information Communications and the Digital Economy"
    ),
    "Korea AI Safety Institute": pgettext_lazy("institute", "Korea AI Safety Institute"),
    "Digital Trust Centre (Singapore AI Safety Institute)": pgettext_lazy(
        "institute", "Digital Trust Centre (Singapore AI Safety Institute)"
    ),
    "AI Safety Institute": pgettext_lazy("institute", "AI Safety Institute"),
    "U.S. AI Safety Institute": pgettext_lazy("institute", "U.S. AI Safety Institute"),
}


def member_name(member: str) -> str:
    """A member's name in the active language ("Royaume-Uni"), or as stored."""
    return str(MEMBER_NAMES.get(member, member))


def institute_name(name: str) -> str:
    """An institute's name in the active language, or as stored."""
    return str(INSTITUTE_NAMES.get(name, name))
