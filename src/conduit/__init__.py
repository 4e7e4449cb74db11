"""Conduit: the RealWorld social blogging platform (JSON API and web app) on Litestar and Advanced Alchemy."""
