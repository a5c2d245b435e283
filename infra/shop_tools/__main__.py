"""`python -m shop_tools admin ...` (see shop_tools.cli)."""

import sys

from shop_tools.cli import main

sys.exit(main())
