"""Getting back into an account by mail: password resets, and confirming that an address is its owner's."""
