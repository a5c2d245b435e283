"""`python -m shop_local run` (see shop_local.cli)."""

import sys

from shop_local.cli import main

sys.exit(main())
