"""One construct per capability of the regional stack; each owns its resources and their least-privilege grants."""
