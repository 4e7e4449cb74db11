"""The account rules the settings choose: which passwords are refused, and what an unconfirmed address costs."""

from dataclasses import dataclass

from conduit.db.models import User
from conduit.lib.exceptions import PermissionDeniedError
from conduit.lib.settings import Settings


@dataclass(frozen=True)
class AccountRules:
    """The rules for accounts that the settings choose."""

    refuse_common_passwords: bool = True
    """``PASSWORD_STRENGTH_CHECK``: refuse the most common passwords."""
    confirm_addresses: bool = False
    """``ACCOUNT_MAIL``: mail a confirmation link after sign-up and after an address change."""
    confirmed_addresses_only: bool = False
    """``REQUIRE_VERIFIED_EMAIL``: publishing needs a confirmed address, and a new address waits for confirmation."""

    @classmethod
    def of(cls, settings: Settings) -> "AccountRules":
        return cls(
            refuse_common_passwords=settings.password_strength_check,
            confirm_addresses=settings.account_mail,
            confirmed_addresses_only=settings.require_verified_email,
        )


DEFAULT_RULES = AccountRules()


def check_may_publish(user: User, rules: AccountRules) -> None:
    """Refuse an author whose address is not confirmed yet, when the rules ask for confirmed addresses.

    Raises:
        PermissionDeniedError: ``user`` has not confirmed their address.
    """
    if rules.confirmed_addresses_only and user.email_verified_at is None:
        raise PermissionDeniedError("email", "must be confirmed before you publish: follow the link mailed to you")
