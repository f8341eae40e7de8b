"""Users: the canonical record of who someone is and which role they hold."""
