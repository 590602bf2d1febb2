"""Route modules; each exposes ``router`` (a Powertools ``Router``) and is included by ``cloakr.gateway.app``."""
