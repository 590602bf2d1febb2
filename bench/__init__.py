"""Measurement of the PII engine: the labelled corpus, accuracy (`make eval`) and speed against Presidio (`make bench`)."""
