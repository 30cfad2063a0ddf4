"""Counter.services gets a through model, CounterService, with a rank per service.

The rows of the auto-created table (organisation_counter_services) are kept: the model
is first declared over that table as it is (state only), then the table is renamed, its
unique pair becomes a named constraint and the rank column is added with 1 for every
existing row. Equal ranks are called by arrival, which is how counters called before.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organisation", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CounterService",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "counter",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="service_links",
                                to="organisation.counter",
                                verbose_name="counter",
                            ),
                        ),
                        (
                            "service",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="counter_links",
                                to="organisation.service",
                                verbose_name="service",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "organisation_counter_services",
                        "unique_together": {("counter", "service")},
                    },
                ),
                migrations.AlterField(
                    model_name="counter",
                    name="services",
                    field=models.ManyToManyField(
                        related_name="counters",
                        through="organisation.CounterService",
                        to="organisation.service",
                        verbose_name="services",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="counterservice", table=None),
        migrations.AlterUniqueTogether(name="counterservice", unique_together=set()),
        migrations.AddConstraint(
            model_name="counterservice",
            constraint=models.UniqueConstraint(
                fields=("counter", "service"), name="counterservice_unique_service"
            ),
        ),
        migrations.AddField(
            model_name="counterservice",
            name="rank",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text=(
                    "1 is called first. Services with the same number are called by arrival time."
                ),
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(99),
                ],
                verbose_name="order",
            ),
        ),
        migrations.AddConstraint(
            model_name="counterservice",
            constraint=models.CheckConstraint(
                condition=models.Q(("rank__gte", 1)), name="counterservice_rank_from_1"
            ),
        ),
        migrations.AlterModelOptions(
            name="counterservice",
            options={
                "ordering": ["rank", "service__prefix"],
                "verbose_name": "service of a counter",
                "verbose_name_plural": "services of the counter",
            },
        ),
    ]
