"""The banking domain: credit risk (probability of default) and AML alerts."""
