"""Backing up and restoring the database: SQLite's online backup API, or
pg_dump / pg_restore for PostgreSQL (issue 6, item 8)."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections, transaction


class BackupError(RuntimeError):
    pass


def _pg_env_and_target(settings_dict):
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    args = ["-h", settings_dict.get("HOST") or "127.0.0.1", "-p", str(settings_dict.get("PORT") or 5432)]
    if settings_dict.get("USER"):
        args += ["-U", settings_dict["USER"]]
    return env, args, settings_dict["NAME"]


def _run(command, env):
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    result = subprocess.run([tool, *command[1:]], env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def database_backup(*, path, using="default"):
    """Write a consistent copy of the database to ``path`` while the site keeps running."""
    path = Path(path)
    connection = connections[using]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()
    elif connection.vendor == "postgresql":
        env, args, name = _pg_env_and_target(connection.settings_dict)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path), *args, name], env)
    else:
        raise BackupError(f"no backup method for {connection.vendor}")
    return path


def database_restore(*, path, using="default"):
    """Replace the database's contents with the backup at ``path``."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"{path} does not exist")
    connection = connections[using]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(path) as source:
            source.backup(connection.connection)
        source.close()
    elif connection.vendor == "postgresql":
        connection.close()
        env, args, name = _pg_env_and_target(connection.settings_dict)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "-d", name, *args,
              str(path)], env)  # fmt: skip
    else:
        raise BackupError(f"no restore method for {connection.vendor}")
    # The backup holds an old content version, which the cache may hold pages for: issue a new one.
    from .caching import content_changed

    with transaction.atomic(using=using):
        content_changed()
    return path
