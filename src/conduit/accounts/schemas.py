"""Payloads of the account mail API: asking for a reset link, and using a mailed token."""

from typing import Annotated

from msgspec import Meta, Struct

from conduit.users.schemas import Email, Password

MailedToken = Annotated[str, Meta(min_length=1, max_length=256)]


class PasswordResetAsk(Struct):
    email: Email


class PasswordResetAskRequest(Struct):
    user: PasswordResetAsk


class PasswordReset(Struct):
    token: MailedToken
    password: Password


class PasswordResetRequest(Struct):
    user: PasswordReset


class EmailConfirmation(Struct):
    token: MailedToken


class EmailConfirmationRequest(Struct):
    user: EmailConfirmation
