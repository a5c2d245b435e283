"""Who is calling: the one caller type of the core, from the authorizer's verdict on the token.

`request_id` is API Gateway's own id for the request (what the audit trail records: a client
cannot choose it); `client_request_id` is the client's X-Request-Id, cleaned, kept apart for
correlation only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    GUEST = "guest"
    CUSTOMER = "customer"
    ADMIN = "admin"


ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Caller:
    id: str
    role: str
    request_id: str = ""
    client_request_id: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_guest(self) -> bool:
        return self.role == Role.GUEST


SYSTEM = Caller(id="system", role="system", request_id="seed")
"""The seeder and the operator's commands, as the audit trail names them."""
