"""The audit trail: one record per request, hashed for tamper evidence, never holding a raw value."""
