"""The HTTP application: one Powertools resolver serving every ``/v1`` route, in Lambda and in the local gateway."""
