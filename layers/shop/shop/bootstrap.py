"""The composition root: builds adapters from settings and hands them to the services.

Handlers call one builder at module scope (once per cold start). Each builder imports only what
its service needs, so a function pays at cold start only for what it uses.
"""

from __future__ import annotations
