"""Compliance features beyond redaction: data subject rights, classification, HIPAA/PCI policy, incidents, reports."""
