"""Telling people by mail what happened to them: new followers, comments on their articles, in digests."""
