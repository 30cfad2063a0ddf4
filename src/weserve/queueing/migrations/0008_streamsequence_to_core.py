# The live streams' numbers now belong to core (core.StreamSequence, weserve.core.live).
#
# State: the model is deleted here and was created by core's 0005. Database: the rows are
# copied into core's table and queueing's table is dropped, rather than the table being
# renamed (or kept under its old name with db_table). Core's table must be core's own:
# renamed, it would be born in queueing's migrations, so core's migration would have to
# depend on queueing's (or a new database would have no table until queueing migrated),
# the inversion of the layering that a foreign key from core to organisation would be;
# under the old name it would also carry the old foreign key to organisation.Office.
# The copy is cheap (one row per office and stream) and, with the drop, runs in this
# migration's one transaction; each stream goes on from its last number.

from django.db import migrations

COPY_TO_CORE = """
INSERT INTO core_streamsequence (office_id, stream, last)
SELECT office_id, stream, last FROM queueing_streamsequence
"""
COPY_BACK = """
INSERT INTO queueing_streamsequence (office_id, stream, last)
SELECT office_id, stream, last FROM core_streamsequence
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_streamsequence"),
        ("queueing", "0007_verbose_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="StreamSequence")],
            database_operations=[
                # Reversed, DeleteModel makes queueing's table again before the copy back.
                migrations.RunSQL(
                    COPY_TO_CORE, reverse_sql=[COPY_BACK, "DELETE FROM core_streamsequence"]
                ),
                migrations.DeleteModel(name="StreamSequence"),
            ],
        ),
    ]
