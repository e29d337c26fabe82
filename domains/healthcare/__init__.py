"""The healthcare domain: 30-day readmission risk on de-identified encounters."""
