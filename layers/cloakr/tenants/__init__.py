"""Tenants and their API keys, stored in the region's tenants table only (a tenant exists in its home region)."""
