"""Follow Up: interview follow-ups, due by the etiquette, delivered exactly once."""
