# The live streams' numbers move from queueing to core (weserve.core.live). Core creates
# its own table here; queueing's 0008 copies the rows into it and drops its table.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_verbose_names"),
    ]

    operations = [
        migrations.CreateModel(
            name="StreamSequence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("office_id", models.BigIntegerField(verbose_name="office")),
                ("stream", models.CharField(max_length=40)),
                ("last", models.PositiveBigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "live stream number",
                "verbose_name_plural": "live stream numbers",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("office_id", "stream"), name="live_stream_unique"
                    )
                ],
            },
        ),
    ]
