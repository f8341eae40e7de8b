"""Properties: realtors' listings, what buyers browse, and their images."""
