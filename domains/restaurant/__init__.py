"""The restaurant domain: review sentiment and rating trends."""
