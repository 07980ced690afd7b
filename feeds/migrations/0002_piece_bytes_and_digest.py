from django.db import migrations, models


def drop_pieces(apps, schema_editor):
    # Pieces are derived data: they are rebuilt on the next read.
    apps.get_model("feeds", "EventPiece").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("feeds", "0001_initial")]

    operations = [
        migrations.RunPython(drop_pieces, migrations.RunPython.noop),
        migrations.RemoveField(model_name="eventpiece", name="ics"),
        migrations.AddField(
            model_name="eventpiece",
            name="vevent",
            field=models.BinaryField(default=b"", verbose_name="VEVENT text (UTF-8)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="eventpiece",
            name="digest",
            field=models.CharField(default="", max_length=32, verbose_name="digest"),
            preserve_default=False,
        ),
    ]
