"""The ``cloakr`` command line; see ``cloakr --help``."""
