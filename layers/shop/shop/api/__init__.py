"""HTTP glue shared by every API function: the resolver factory, error mapping and the caller's identity."""

from shop.api.app import lambda_entry, make_app
from shop.api.principal import Principal, Role, current_principal, require_role

__all__ = ["Principal", "Role", "current_principal", "lambda_entry", "make_app", "require_role"]
