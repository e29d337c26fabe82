"""Prediction APIs: one FastAPI app factory (api.factory) and one small module per domain."""
