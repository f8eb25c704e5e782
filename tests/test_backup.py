"""Backup and restore drill, and migrations reversible to zero (issue 6, item 8)."""

import os
import subprocess
import sys

import pytest

from .servers import REPO, fresh_database, require_services

CONTENT = ["points", "auth.group", "--exclude", "points.contentversion"]  # the version moves on


def run(env, *args):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def drill(env, tmp_path):
    """Load, back up, damage, restore: the restored content is identical."""
    run(env, "migrate", "--noinput")
    run(env, "load_guide")
    run(env, "setup_roles")
    before = run(env, "dumpdata", *CONTENT, "--natural-foreign", "--indent", "0")
    backup = tmp_path / "acuguide.backup"
    run(env, "backup_db", str(backup))
    assert backup.stat().st_size > 10_000
    damage = (
        "from points.models import *; Discrepancy.objects.all().delete(); Point.objects.filter(code='BL23')"
        ".update(location='damaged'); Alias.objects.all().delete()"
    )
    run(env, "shell", "-c", damage)
    assert run(env, "dumpdata", *CONTENT, "--natural-foreign", "--indent", "0") != before
    run(env, "restore_db", str(backup), "--yes")
    after = run(env, "dumpdata", *CONTENT, "--natural-foreign", "--indent", "0")
    assert after == before
    version = "from points.models import ContentVersion; print(ContentVersion.current())"
    assert int(run(env, "shell", "-c", version).split()[-1]) > 10**15  # a new number: no cached page of the backup's
    assert len(before) > 100_000


def migrations_round_trip(env):
    run(env, "migrate", "--noinput")
    run(env, "migrate", "points", "zero", "--noinput")
    assert "[ ] 0001_initial" in run(env, "showmigrations", "points")
    run(env, "migrate", "--noinput")
    assert "[ ]" not in run(env, "showmigrations", "points")
    run(env, "load_guide")


def sqlite_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}}
    return {**env, "DJANGO_SETTINGS_MODULE": "acuguide.settings.dev", "DATABASE_URL": f"sqlite:///{tmp_path}/d.db"}


def test_sqlite_backup_restore_drill(tmp_path):
    drill(sqlite_env(tmp_path), tmp_path)


def test_sqlite_migrations_reverse_to_zero_and_forward(tmp_path):
    migrations_round_trip(sqlite_env(tmp_path))


@pytest.mark.services
def test_postgresql_backup_restore_drill(tmp_path):
    pg, _ = require_services()
    with fresh_database(pg) as url:
        drill({**sqlite_env(tmp_path), "DATABASE_URL": url}, tmp_path)


@pytest.mark.services
def test_postgresql_migrations_reverse_to_zero_and_forward(tmp_path):
    pg, _ = require_services()
    with fresh_database(pg) as url:
        migrations_round_trip({**sqlite_env(tmp_path), "DATABASE_URL": url})
