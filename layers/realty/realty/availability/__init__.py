"""Realtor availability: weekly hours, blocks and openings, and the rules that turn them into free times."""
