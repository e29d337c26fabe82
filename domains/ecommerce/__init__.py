"""The ecommerce domain: RFM segments, customer value and churn."""
