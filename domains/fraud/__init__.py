"""The fraud domain: card-transaction fraud probability with reasons."""
