"""Profiles: users as others see them, and following."""
