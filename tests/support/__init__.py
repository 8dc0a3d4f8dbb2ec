"""Helpers shared by the test tiers (importable because pytest's pythonpath includes tests/)."""
