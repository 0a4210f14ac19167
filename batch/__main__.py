"""`python -m batch`: the same as the `followup` command."""

import sys

from batch.cli.main import main

sys.exit(main())
