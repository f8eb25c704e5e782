# Issue 11: a plain "where" sentence and the one key caution for each point, and a
# condition's notes on what the sources say and get wrong.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0010_trigram"),
    ]

    operations = [
        migrations.AddField(
            model_name="condition",
            name="notes",
            field=models.TextField(
                blank=True,
                help_text="What the sources say and get wrong about this condition (shown under Evidence and corrections).",
            ),
        ),
        migrations.AddField(
            model_name="historicalcondition",
            name="notes",
            field=models.TextField(
                blank=True,
                help_text="What the sources say and get wrong about this condition (shown under Evidence and corrections).",
            ),
        ),
        migrations.AddField(
            model_name="historicalpoint",
            name="key_caution",
            field=models.CharField(
                blank=True,
                help_text="The one caution that matters most, in one short sentence; shown first, then the other cautions (do not repeat it there). No pregnancy advice or pressure level: they have their own fields.",
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="historicalpoint",
            name="where",
            field=models.CharField(
                blank=True,
                help_text="Where it is in one plain sentence a person in pain understands: no cun, no unexplained anatomy (the precise location is the next field). Every point to press needs one.",
                max_length=160,
            ),
        ),
        migrations.AddField(
            model_name="point",
            name="key_caution",
            field=models.CharField(
                blank=True,
                help_text="The one caution that matters most, in one short sentence; shown first, then the other cautions (do not repeat it there). No pregnancy advice or pressure level: they have their own fields.",
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="point",
            name="where",
            field=models.CharField(
                blank=True,
                help_text="Where it is in one plain sentence a person in pain understands: no cun, no unexplained anatomy (the precise location is the next field). Every point to press needs one.",
                max_length=160,
            ),
        ),
    ]
