"""The property a tour or a booking is of, as their responses show it.

Its own module so that bookings and tours, whose responses carry it, need not import every
property model.
"""

from __future__ import annotations

from realty.core.models import Model


class PropertySummary(Model):
    id: str
    address: str
    city: str
