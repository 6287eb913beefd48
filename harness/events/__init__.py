"""Builders of the AWS event shapes the functions receive: one per shape, used by the adapters,
the bench and the tests alike, and checked against AWS's documented samples (tests/events/)."""
