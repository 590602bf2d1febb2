"""One module per ``cloakr`` subcommand; each exposes ``register(subparsers)``.

Adding a command is adding a module here: ``cloakr.cli.main`` discovers them, so no central list can drift.
"""
