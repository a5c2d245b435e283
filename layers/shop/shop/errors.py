"""Domain exceptions. Each carries the contract's error code; the HTTP status lives in shop.api.errors."""

from __future__ import annotations

from typing import Any


class ShopError(Exception):
    code = "INTERNAL"
    message = "The server could not complete the request."

    def __init__(self, message: str | None = None, details: Any = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details


class ValidationFailed(ShopError):
    code = "VALIDATION_ERROR"
    message = "The request is not valid."


class Unauthorized(ShopError):
    code = "UNAUTHORIZED"
    message = "A valid access token is required."


class InvalidCredentials(Unauthorized):
    code = "INVALID_CREDENTIALS"
    message = "The email or password is wrong."


class InvalidToken(Unauthorized):
    code = "UNAUTHORIZED"
    message = "The token is not valid."


class TokenReused(Unauthorized):
    code = "TOKEN_REUSED"
    message = "This refresh token was already used; every token of its login is now revoked."


class Forbidden(ShopError):
    code = "FORBIDDEN"
    message = "Your role may not do this."


class LoginRequired(Forbidden):
    code = "LOGIN_REQUIRED"
    message = "Log in or register to do this."


class AccountDisabled(Forbidden):
    code = "ACCOUNT_DISABLED"
    message = "This account is disabled."


class NotFound(ShopError):
    code = "NOT_FOUND"
    message = "No such resource."


class Conflict(ShopError):
    code = "CONFLICT"
    message = "The request conflicts with the current state."


class EmailTaken(Conflict):
    code = "EMAIL_TAKEN"
    message = "An account with this email exists."


class SlugTaken(Conflict):
    code = "SLUG_TAKEN"
    message = "This slug is taken."


class SkuTaken(Conflict):
    code = "SKU_TAKEN"
    message = "This SKU is taken."


class CategoryNotEmpty(Conflict):
    code = "CATEGORY_NOT_EMPTY"
    message = "Products or subcategories still use this category."


class InsufficientStock(Conflict):
    code = "INSUFFICIENT_STOCK"
    message = "Not enough stock is available."


class SelfLockout(Conflict):
    code = "SELF_LOCKOUT"
    message = "An admin cannot demote or disable themself."


class InvalidTransition(Conflict):
    code = "INVALID_TRANSITION"
    message = "That move is not allowed from the current state."


class PayloadTooLarge(ShopError):
    code = "PAYLOAD_TOO_LARGE"
    message = "The request body is too large."


class UnsupportedMediaType(ShopError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    message = "Send the request body as application/json."


class IdempotencyKeyReused(ShopError):
    code = "IDEMPOTENCY_KEY_REUSED"
    message = "This Idempotency-Key was used with another request (another body, or another order)."


class RateLimited(ShopError):
    code = "RATE_LIMITED"
    message = "Too many attempts; try again later."

    def __init__(self, retry_after_seconds: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class CartEmpty(Conflict):
    code = "CART_EMPTY"
    message = "The cart is empty."


class OutOfStock(Conflict):
    code = "OUT_OF_STOCK"
    message = "Some items cannot be reserved; nothing was reserved."


class TooManyOpenOrders(Conflict):
    code = "TOO_MANY_OPEN_ORDERS"
    message = "You have 5 orders waiting for payment; pay or cancel one before checking out again."


class CartFull(Conflict):
    code = "CART_FULL"
    message = "The cart has the maximum number of lines (50)."


class CurrencyMismatch(Conflict):
    code = "CURRENCY_MISMATCH"
    message = "A cart holds products of one currency only."


class Contention(Conflict):
    """Concurrent writers kept winning; the same request may well succeed if simply retried."""

    code = "CONFLICT"
    message = "The request collided with concurrent changes; retry it."
