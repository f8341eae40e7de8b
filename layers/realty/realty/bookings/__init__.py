"""Bookings: a buyer's request for a tour, the realtor's answer, and what a confirmation sets in motion."""
