"""Cross-cutting pieces: settings, errors, envelope, ids, clock, pagination, auth context, audit."""
