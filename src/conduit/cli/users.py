"""``conduit users``: account administration, under the same rules as the API."""

from collections.abc import Awaitable, Callable, Sequence

import click

from conduit.cli.common import validated, with_users
from conduit.db.models import User
from conduit.lib.settings import Settings
from conduit.users.rules import AccountRules
from conduit.users.schemas import NewUser, UpdateUser
from conduit.users.services import UserService


@click.group("users")
def users() -> None:
    """List and manage user accounts."""


@users.command("list")
@click.option("--disabled", is_flag=True, help="Only the accounts that cannot sign in.")
def list_users(disabled: bool) -> None:
    """List accounts by username: email, whether they can sign in, when they joined."""

    async def accounts(service: UserService) -> Sequence[User]:
        filters = [User.is_active.is_(False)] if disabled else []
        return await service.get_many(*filters, order_by=(User.username, False))

    found = with_users(accounts)
    rows = [("USERNAME", "EMAIL", "STATUS", "JOINED")] + [
        (user.username, user.email, "active" if user.is_active else "disabled", f"{user.created_at:%Y-%m-%d}")
        for user in found
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        click.echo("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]]))
    click.echo(f"{len(found)} account{'' if len(found) == 1 else 's'}", err=True)


@users.command("create")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.password_option("--password", help="Prompted for when left out.")
def create_user(username: str, email: str, password: str) -> None:
    """Create an account."""
    new = validated(NewUser, username=username, email=email, password=password)
    refuse_common = Settings.from_env().password_strength_check
    with_users(
        lambda service: service.register(
            username=new.username,
            email=new.email,
            password=new.password,
            rules=AccountRules(refuse_common_passwords=refuse_common),
        )
    )
    click.echo(f"created user {new.username!r}")


@users.command("reset-password")
@click.argument("username")
@click.password_option("--password", help="Prompted for when left out.")
def reset_password(username: str, password: str) -> None:
    """Give an account a new password; its sessions and tokens end."""
    new_password = validated(UpdateUser, password=password).password
    refuse_common = Settings.from_env().password_strength_check

    async def action(service: UserService) -> None:
        user = await service.get_by_username(username)
        await service.update_account(
            user, {"password": new_password}, rules=AccountRules(refuse_common_passwords=refuse_common)
        )

    with_users(action)
    click.echo(f"password of {username!r} changed")


def _account_command(name: str, summary: str, act: Callable[[UserService, User], Awaitable[object]], done: str) -> None:
    """Add ``conduit users NAME USERNAME``: ``act`` on that account in one transaction, then say ``done``."""

    @users.command(name, help=summary)
    @click.argument("username")
    def command(username: str) -> None:
        async def action(service: UserService) -> None:
            await act(service, await service.get_by_username(username))

        with_users(action)
        click.echo(done.format(username=repr(username)))


_account_command(
    "disable",
    "Stop an account from signing in; its sessions and tokens end too.",
    lambda service, user: service.set_active(user.username, active=False),
    "disabled {username}",
)
_account_command(
    "enable",
    "Let a disabled account sign in again.",
    lambda service, user: service.set_active(user.username, active=True),
    "enabled {username}",
)
_account_command(
    "sign-out-everywhere",
    "End every browser session of an account and revoke its API tokens.",
    UserService.sign_out_everywhere,
    "signed {username} out everywhere",
)
_account_command(
    "revoke-tokens",
    "Make every API token of an account answer 401; its browser sessions go on.",
    UserService.revoke_tokens,
    "revoked the API tokens of {username}",
)


@users.command("delete")
@click.argument("username")
@click.confirmation_option(prompt="Delete the account with all its articles, comments, follows and favorites?")
def delete_user(username: str) -> None:
    """Delete an account with all its articles, comments, follows and favorites."""
    with_users(lambda service: service.remove(username))
    click.echo(f"deleted {username!r}")
