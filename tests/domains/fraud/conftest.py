"""Fraud fixtures live in tests/conftest.py: the API and validator tests share the trained platform."""
