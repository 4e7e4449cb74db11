"""The garbage collector under load: what the process holds when it starts serving is set aside.

Python's full collection walks every container object of the process. Conduit's modules, application,
routes and statements are a great many of them, alive as long as the process. Under load, objects that
requests hold across a young collection reach the oldest generation fast enough to start a full collection
often, and each stops the event loop while it walks them all: those pauses make the slowest responses.
``gc.freeze`` moves every object alive when the application starts to a generation no collection walks, so later
full collections see only what requests left behind.

Nothing is collected before freezing: at start-up there is almost no garbage, and every test would pay for the
collection.
"""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def frozen_startup_heap(_: Any) -> AsyncIterator[None]:
    """A lifespan: freeze the heap once the application has started; unfreeze it when the application stops.

    Unfreezing lets a process that builds one application after another (the test suite) collect the earlier
    ones; with two applications serving in one process, the first to stop unfreezes the other's heap too,
    which costs the other only its shorter pauses.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
