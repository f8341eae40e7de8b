"""Ask the tour: questions about a processed tour, answered from its transcript and notes."""
