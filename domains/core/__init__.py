"""Pieces shared by every domain: settings, spec, warehouse I/O, quality, models, monitoring."""
