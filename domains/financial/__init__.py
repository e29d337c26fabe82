"""The financial domain: next-day return and price from an LSTM."""
