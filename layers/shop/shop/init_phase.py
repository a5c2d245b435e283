"""Imported first by every handler module: Python's garbage collector is paused while a function loads.

Loading a function allocates a few hundred thousand objects (the libraries' modules, classes,
pydantic validators, botocore's service models) and frees almost none: the collector's passes
over them during the import find nothing to collect (about 700 objects for a cart function) and
cost a cold start tens of milliseconds. `shop.observability.observed` ends the pause when the
first invocation starts: what was loaded is frozen out of the collector's scans (`gc.freeze`, it
lives as long as the container) and collection runs as usual from then on. The local runtime
ends it as soon as a function is loaded (`shop_local.lambda_runtime.functions.handler_module`),
without the freeze, since it loads functions again and again in one process.
"""

import gc

gc.disable()
