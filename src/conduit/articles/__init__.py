"""Articles: writing, listing, feeds and favorites."""
