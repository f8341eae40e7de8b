"""Uploaded media (property photos, avatars): presigned uploads, processed keys, URLs to read them."""
