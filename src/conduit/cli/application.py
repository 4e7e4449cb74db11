"""Litestar's commands that inspect the whole application, the only ones that build it: ``routes``, ``schema``
and ``info``. They find it through the context object ``conduit`` sets up (see ``litestar_environment``)."""

from litestar.cli.main import litestar_group

routes = litestar_group.commands["routes"]
schema = litestar_group.commands["schema"]
info = litestar_group.commands["info"]
