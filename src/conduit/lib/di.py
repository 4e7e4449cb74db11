"""Types shared by the domains' providers."""

from collections.abc import AsyncGenerator, Callable
from typing import TypeVar

ServiceT = TypeVar("ServiceT")

ServiceProvider = Callable[..., AsyncGenerator[ServiceT, None]]
"""What ``create_service_provider`` returns: a dependency yielding a service on the request's session."""
