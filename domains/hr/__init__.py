"""The hr domain: attrition risk and feedback sentiment on anonymised employees."""
