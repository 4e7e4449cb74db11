"""The server-rendered web app: page controllers by domain, templates, browser sessions, error pages."""
