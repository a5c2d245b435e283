"""The cold-start baseline loaded as the shop's functions load: with the garbage collector paused
(`shop.init_phase`, their first import) while it loads. Informational, probed in the same rounds as
the baseline: how much of the functions' ratios the pause accounts for. The baseline itself, like
the peer's handlers, loads with the collector running, as a plain Lambda function does."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from bare_handler import handler

__all__ = ["handler"]
