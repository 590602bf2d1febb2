"""``python -m cloakr.cli``: the same as the ``cloakr`` command."""

import sys

from cloakr.cli.main import main

sys.exit(main())
