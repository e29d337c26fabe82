"""Errors that retrying cannot fix (bad data, bad source, nothing to serve): fail the task at once."""


class PermanentError(RuntimeError):
    """Raised when the same inputs would fail again; orchestrators should not retry."""
