"""Tags: the vocabulary articles are filed under."""
