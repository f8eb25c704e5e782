# Issue 12: every record the loader makes carries a content key (its identity in the
# fixtures, which no editor can change), so a renamed record is still found and a
# deleted one stays deleted (its history's deletion row carries the key: a tombstone).
#
# Existing databases: each record gets the key it was loaded with, read from its first
# history row (what it looked like when it was created, before any editor renamed it);
# deleted records get it in their history too. Records an editor made (their first
# history row has a user) get none. Frozen here: the formulas are points.loading's.

from collections import defaultdict

from django.db import migrations, models

TOP = {
    "Meridian": "code",
    "Region": "slug",
    "Source": "key",
    "RedFlag": "key",
    "Point": "code",
    "Condition": "slug",
    "Discrepancy": "ref",
    "Illustration": "slug",
}
CHILDREN = ["ReachMethod", "Alias", "Citation", "Indication", "Placement"]


def _first_versions(apps, name):
    """id -> the record as it was created (its first history row; the row itself if it has
    no history), for every record the history knows, deleted ones too; editors' left out."""
    model = apps.get_model("points", name)
    history = apps.get_model("points", f"Historical{name}")
    first = {}
    for row in history.objects.order_by("history_date", "history_id").values():
        first.setdefault(row["id"], row)
    by_editor = {pk for pk, row in first.items() if row.get("history_user_id") is not None}
    for row in model.objects.values():
        first.setdefault(row["id"], row)
    return model, history, {pk: first[pk] for pk in sorted(first) if pk not in by_editor}


def _numbered(rows, base):
    """Keys for children that share an identity (two citations of one source for one claim):
    the second is ``#2``, in the order they were created."""
    seen = defaultdict(int)
    keys = {}
    for pk, row in rows.items():
        identity = base(row)
        if identity is None:
            continue
        seen[identity] += 1
        keys[pk] = identity if seen[identity] == 1 else f"{identity}#{seen[identity]}"
    return keys


def fill_content_keys(apps, schema_editor):
    found = {name: _first_versions(apps, name) for name in [*TOP, *CHILDREN]}
    keys = {name: {pk: row[TOP[name]] for pk, row in found[name][2].items()} for name in TOP}
    point, condition, source, figure = keys["Point"], keys["Condition"], keys["Source"], keys["Illustration"]

    def cited(row):
        parent = f"point:{point.get(row['point_id'])}" if row["point_id"] else f"condition:{condition.get(row['condition_id'])}"
        return None if "None" in parent or row["source_id"] not in source else f"{parent}:{source[row['source_id']]}:{row['claim']}"

    bases = {
        "ReachMethod": lambda r: f"{point[r['point_id']]}:{r['kind']}" if r["point_id"] in point else None,
        "Alias": lambda r: f"{point[r['point_id']]}:{r['normalized']}" if r["point_id"] in point else None,
        "Citation": cited,
        "Indication": lambda r: (
            f"{condition[r['condition_id']]}:{point[r['point_id']]}"
            if r["condition_id"] in condition and r["point_id"] in point
            else None
        ),
        "Placement": lambda r: (
            f"{figure[r['illustration_id']]}:{point[r['point_id']]}:{r['side']}"
            if r["illustration_id"] in figure and r["point_id"] in point
            else None
        ),
    }
    for name in CHILDREN:
        keys[name] = _numbered(found[name][2], bases[name])
    for name, by_pk in keys.items():
        model, history, _ = found[name]
        live = set(model.objects.values_list("pk", flat=True))
        used = set()
        for pk, key in by_pk.items():
            if not key:
                continue
            if pk in live:
                if key in used:  # a second record with the same identity (a duplicate): no key
                    continue
                used.add(key)
                model.objects.filter(pk=pk).update(content_key=key)
            history.objects.filter(id=pk).update(content_key=key)



class Migration(migrations.Migration):

    dependencies = [
        ('points', '0012_review'),
    ]

    operations = [
        migrations.AddField(
            model_name='alias',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='citation',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='condition',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='discrepancy',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='historicalalias',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicalcitation',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicalcondition',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicaldiscrepancy',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicalillustration',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicalindication',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicalmeridian',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicalplacement',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicalpoint',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicalreachmethod',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicalredflag',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicalregion',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='content_key',
            field=models.CharField(db_index=True, editable=False, max_length=160, null=True),
        ),
        migrations.AddField(
            model_name='illustration',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='indication',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='meridian',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='placement',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='point',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='reachmethod',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='redflag',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='region',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='source',
            name='content_key',
            field=models.CharField(editable=False, max_length=160, null=True, unique=True),
        ),
        migrations.RunPython(fill_content_keys, migrations.RunPython.noop),
    ]
