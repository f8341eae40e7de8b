"""Tours: the live video appointment a confirmed booking becomes, and everything recorded about it."""
