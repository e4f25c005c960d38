"""The records store: SQLAlchemy 2 schema, Alembic migrations, SQLite or PostgreSQL."""
