"""The database: models, migrations, the engine, demo data and export/import."""
