"""Administration: reading the audit trail (user administration lives in realty.users)."""
