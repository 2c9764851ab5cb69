"""Gradebook addresses: a PostgreSQL URL that names the installed driver."""

from __future__ import annotations

def database_url(url: str) -> str:
    """A gradebook URL SQLAlchemy can open with the installed PostgreSQL driver.

    SQLAlchemy 2.1 reads a plain ``postgresql://`` URL as "use psycopg 3"; where only
    psycopg2 is installed the URL names it explicitly. Other URLs pass unchanged.
    """
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            try:
                import psycopg  # noqa: F401 - psycopg 3 is SQLAlchemy's default driver
            except ImportError:
                return "postgresql+psycopg2://" + url[len(scheme):]
            return url
    return url
