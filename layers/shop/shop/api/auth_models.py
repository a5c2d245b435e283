"""Request and response bodies of the auth routes.

Responses name their fields one by one: a user leaves the system as {id, email, name, role,
created_at}, never with its password hash, ciphertexts or blind index.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from shop.api.models import RequestModel, ResponseModel, text
from shop.api.user_models import UserResponse as UserResponse  # re-exported: a session holds one
from shop.domain import users as rules
from shop.domain.tokens import IssuedAccessToken
from shop.services.auth_sessions import MAX_REFRESH_TOKEN_LENGTH, Session

Email = Annotated[str, StringConstraints(min_length=3, max_length=rules.MAX_EMAIL_LENGTH + 64)]
NewPassword = Annotated[
    str, StringConstraints(min_length=rules.MIN_PASSWORD_LENGTH, max_length=rules.MAX_PASSWORD_LENGTH)
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=rules.MAX_PASSWORD_LENGTH)]
Name = Annotated[str, text(1, rules.MAX_NAME_LENGTH)]
GuestToken = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
RefreshTokenText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_REFRESH_TOKEN_LENGTH)]


class _EmailBody(RequestModel):
    email: Email

    @field_validator("email")
    @classmethod
    def _is_email(cls, value: str) -> str:
        return rules.normalise_email(value)


class RegisterRequest(_EmailBody):
    password: NewPassword
    name: Name
    guest_token: GuestToken | None = None

    @field_validator("name")
    @classmethod
    def _has_name(cls, value: str) -> str:
        return rules.clean_name(value)


class LoginRequest(_EmailBody):
    password: Password
    guest_token: GuestToken | None = None


class RefreshRequest(RequestModel):
    refresh_token: RefreshTokenText


class AccessTokenResponse(ResponseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a token type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires.")

    @classmethod
    def of(cls, issued: IssuedAccessToken) -> AccessTokenResponse:
        return cls(access_token=issued.token, expires_in=issued.expires_in)


class TokenPairResponse(AccessTokenResponse):
    refresh_token: str

    @classmethod
    def of_session(cls, session: Session) -> TokenPairResponse:
        return cls(
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            expires_in=session.expires_in,
        )


class SessionResponse(TokenPairResponse):
    user: UserResponse

    @classmethod
    def from_session(cls, session: Session) -> SessionResponse:
        return cls(
            user=UserResponse.of(session.user),
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            expires_in=session.expires_in,
        )


class Jwk(ResponseModel):
    kty: Literal["EC"]
    crv: Literal["P-256"]
    x: str
    y: str
    kid: str
    alg: Literal["ES256"]
    use: Literal["sig"]


class JwksResponse(ResponseModel):
    keys: list[Jwk]
