"""Calls: the live video of a tour on Amazon Chime SDK, its recording (with the buyer's consent) and playback."""
