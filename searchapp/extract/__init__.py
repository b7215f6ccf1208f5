"""Metadata extractors: pure functions from text to fields."""
