"""Helpers shared by the referral tests: a registered customer at PKMD-PJ and officers
who handle services."""

from __future__ import annotations

from weserve.organisation.models import Section
from weserve.register import services

FIELDS = {
    "name": "Siti binti Ahmad",
    "category": "elderly",
    "purpose": "Bertanya tentang Bantuan Warga Emas untuk ibu",
    "action": "referred",
}


def registered(ticket, user):
    """The ticket's customer, in the register through the real service."""
    return services.record_visit(ticket, acting_user=user, **FIELDS)


def handles(user, *services_, section: str = ""):
    """Give a person's directory entry the services they handle (and a section)."""
    staff = user.staff
    staff.services.set(services_)
    if section:
        staff.section = Section.objects.get_or_create(
            office=staff.home_office,
            code=section,
            defaults={"name_ms": f"Bahagian {section}", "name_en": f"{section} Division"},
        )[0]
        staff.save(update_fields=["section"])
    return staff
