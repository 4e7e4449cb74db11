"""What an account may be called and protected with: usernames, emails, passwords and pictures."""

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conduit.db.models import User
from conduit.users.services import UserService
from tests.conftest import RegisterUser
from tests.factories import NewUserFactory

pytestmark = pytest.mark.anyio


async def sign_up(client: AsyncClient, **fields: str) -> tuple[int, list[str]]:
    """The status of a registration, and its errors as a client shows them (``username is reserved``)."""
    payload = NewUserFactory.build()
    user = {"username": payload.username, "email": payload.email, "password": payload.password, **fields}
    response = await client.post("/api/users", json={"user": user})
    errors: dict[str, list[str]] = response.json().get("errors", {})
    return response.status_code, [
        f"{subject} {message}" for subject, messages in errors.items() for message in messages
    ]


async def test_usernames_differing_only_in_case_or_unicode_form_cannot_both_register(
    client: AsyncClient, db: AsyncSession
) -> None:
    first = await sign_up(client, username="Ada_Lovelace")

    refused = [
        await sign_up(client, username=name)
        for name in ("ada_lovelace", "ADA_LOVELACE", "\uff21\uff44\uff41_Lovelace")  # the last in full-width letters
    ]

    assert first == (201, [])
    assert refused == [(409, ["username has already been taken"])] * 3
    assert await db.scalar(select(func.count()).select_from(User)) == 1


async def test_admin_and_other_reserved_names_cannot_register_in_any_case(client: AsyncClient) -> None:
    for name in ("admin", "ADMIN", "Admin", "..", ".", "...", "login", "Settings", "api", "static", "\uff41dmin"):
        assert await sign_up(client, username=name) == (422, ["username is reserved"]), name


@pytest.mark.parametrize(
    "name",
    [
        "\u0430dmin",  # a Cyrillic "a"
        "r\u043e\u043et",  # Cyrillic "o"s
        "\u0410\u0420\u0406",  # "API" all in Cyrillic capitals
        "\u0391\u03a1\u0399",  # "API" all in Greek capitals
        "\u0455\u0443\u0455t\u0435m",  # "system" with Cyrillic "s", "y" and "e"
        "\uff41\u0501min",  # a full-width "a" and a Komi (Cyrillic) "d"
    ],
)
async def test_look_alikes_of_reserved_names_in_cyrillic_or_greek_letters_cannot_register(
    client: AsyncClient, name: str
) -> None:
    assert await sign_up(client, username=name) == (422, ["username is reserved"])


@pytest.mark.parametrize(
    ("name", "scripts"),
    [
        ("p\u0430yp\u0430l", "Cyrillic and Latin"),  # Cyrillic "a"s
        ("\u03bfpenai", "Greek and Latin"),  # a Greek omicron
        ("\u0418\u0432\u0430\u043d_\u03a9mega_x", "Cyrillic, Greek and Latin"),
    ],
)
async def test_usernames_mixing_scripts_cannot_register_or_be_taken(
    client: AsyncClient, register: RegisterUser, name: str, scripts: str
) -> None:
    account = await register()
    message = f"mixes {scripts} letters; use the letters of one script"

    signed_up = await sign_up(client, username=name)
    renamed = await client.put("/api/user", headers=account.headers, json={"user": {"username": name}})

    assert signed_up == (422, [f"username {message}"])
    assert (renamed.status_code, renamed.json()) == (422, {"errors": {"username": [message]}})


@pytest.mark.parametrize(
    "name",
    [
        "\u0418\u0432\u0430\u043d_\u041f\u0435\u0442\u0440\u043e\u0432",  # Cyrillic
        "\u0395\u03bb\u03ad\u03bd\u03b7-42",  # Greek, with digits
        "\u5c71\u7530\u305f\u308d\u3046",  # Japanese: kanji and hiragana
        "\u30bf\u30fc\u30dc",  # katakana with a prolonged sound mark
        "ada.lovelace_1815",
    ],
)
async def test_a_username_in_one_script_registers(client: AsyncClient, name: str) -> None:
    assert await sign_up(client, username=name) == (201, [])


async def test_an_account_that_already_had_a_reserved_name_keeps_it(db: AsyncSession) -> None:
    legacy = User(username="admin", email="admin@example.org", password_hash="x")
    db.add(legacy)
    await db.commit()

    changed = await UserService(session=db).update_account(legacy, {"username": "Admin", "bio": "since 2020"})
    await db.commit()

    assert (changed.username, changed.bio) == ("Admin", "since 2020")


async def test_a_username_is_stored_in_its_nfkc_form(client: AsyncClient, db: AsyncSession) -> None:
    status, _ = await sign_up(client, username="\ufb01sh")  # the "fi" ligature

    assert status == 201
    assert await db.scalar(select(User.username)) == "fish"


async def test_renaming_to_someone_elses_name_in_another_case_is_refused(
    client: AsyncClient, register: RegisterUser
) -> None:
    taken, renaming = await register(username="Grace"), await register()

    response = await client.put("/api/user", headers=renaming.headers, json={"user": {"username": "GRACE"}})
    own = await client.put("/api/user", headers=taken.headers, json={"user": {"username": "grace"}})

    assert response.status_code == 409
    assert response.json() == {"errors": {"username": ["has already been taken"]}}
    assert own.status_code == 200
    assert own.json()["user"]["username"] == "grace"


async def test_emails_are_unique_without_regard_to_case(client: AsyncClient) -> None:
    assert (await sign_up(client, email="Someone@Example.org"))[0] == 201

    assert await sign_up(client, email="someone@example.ORG") == (409, ["email has already been taken"])


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("12345678", "password is too common; choose one that is harder to guess"),
        ("Password", "password is too common; choose one that is harder to guess"),
        ("qwertyuiop", "password is too common; choose one that is harder to guess"),
        (" " * 8, "password must not be only spaces"),
        ("\t\n  \t\n  ", "password must not be only spaces"),
        ("short", "password must have at least 8 characters"),
    ],
)
async def test_weak_passwords_are_refused(client: AsyncClient, password: str, message: str) -> None:
    assert await sign_up(client, password=password) == (422, [message])


async def test_a_weak_new_password_is_refused(client: AsyncClient, register: RegisterUser) -> None:
    account = await register()

    response = await client.put("/api/user", headers=account.headers, json={"user": {"password": "iloveyou"}})

    assert response.status_code == 422
    assert response.json() == {"errors": {"password": ["is too common; choose one that is harder to guess"]}}


@pytest.mark.parametrize(
    "image",
    [
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "//evil.example/x.png",
        "not a url",
        "ftp://a/b",
        "https://",
        "https://example.org/a picture.png",
        "https://example.org/" + "a" * 2048,
    ],
)
async def test_image_must_be_an_http_or_https_address(
    client: AsyncClient, register: RegisterUser, image: str, db: AsyncSession
) -> None:
    account = await register()

    response = await client.put("/api/user", headers=account.headers, json={"user": {"image": image, "bio": "new"}})

    assert response.status_code == 422
    message = "must have at most 2048 characters" if len(image) > 2048 else "must be an http or https URL"
    assert response.json() == {"errors": {"image": [message]}}
    assert await db.scalar(select(User.bio).where(User.username == account.username)) is None


@pytest.mark.parametrize("image", ["", None])
async def test_an_empty_or_null_image_means_no_picture(
    client: AsyncClient, register: RegisterUser, image: str | None
) -> None:
    account = await register()
    await client.put("/api/user", headers=account.headers, json={"user": {"image": "https://example.org/me.png"}})

    response = await client.put("/api/user", headers=account.headers, json={"user": {"image": image}})

    assert response.status_code == 200
    assert response.json()["user"]["image"] is None


async def test_http_and_https_images_are_accepted(client: AsyncClient, register: RegisterUser) -> None:
    account = await register()

    for image in ("https://example.org/me.png", "http://example.org/me.jpg?size=2"):
        response = await client.put("/api/user", headers=account.headers, json={"user": {"image": image}})
        assert response.status_code == 200
        assert response.json()["user"]["image"] == image
