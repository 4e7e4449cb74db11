"""What is not domain: settings, authentication, transactions, errors, validation, password hashing."""
