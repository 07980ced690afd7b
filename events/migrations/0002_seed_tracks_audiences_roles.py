"""Seed the strategy's seven tracks, the audiences and the role groups.

The tracks' short descriptions paraphrase the 2016 strategy (shared/seed); they are data and can
be edited in the admin afterwards. Re-running updates names but keeps edited descriptions.
"""

from django.db import migrations

TRACKS = [
    ("fordybelse", "Fordybelse", "Immersion",
     "Ro og rum til at læse, lytte, lære og fordybe sig, alene eller sammen med andre.",
     "Calm and room to read, listen, learn and immerse yourself, alone or with others."),
    ("hygge", "Hygge", "Cosiness",
     "Et rart sted at være, hvor man møder naboer og føler sig velkommen.",
     "A pleasant place to be, where you meet neighbours and feel welcome."),
    ("viden-og-vejledning", "Viden & vejledning", "Knowledge & guidance",
     "Hjælp til at finde viden og svar, og vejledning i hverdagens spørgsmål.",
     "Help to find knowledge and answers, and guidance in everyday questions."),
    ("struktur-for-livet", "Struktur for livet", "Structure for life",
     "Faste tilbud og rytmer, der giver hverdagen og livets faser struktur.",
     "Regular offers and rhythms that give structure to everyday life and life's stages."),
    ("en-lokal-aktoer", "En lokal aktør", "A local actor",
     "Biblioteket som en synlig aktør, der samarbejder med foreninger, skoler og borgere i lokalområdet.",
     "The library as a visible actor working with associations, schools and citizens in the area."),
    ("indgang-til-faellesskab", "Indgang til fællesskab", "Gateway to community",
     "En vej ind i lokale fællesskaber og borgerdrevne aktiviteter.",
     "A way into local communities and citizen-driven activities."),
    ("digitale-forbindelser", "Digitale forbindelser", "Digital connections",
     "Adgang til og hjælp med det digitale, så alle kan være med.",
     "Access to and help with digital life, so that everyone can take part."),
]

AUDIENCES = [
    ("boern", "Børn", "Children"),
    ("familier", "Familier", "Families"),
    ("unge", "Unge", "Young people"),
    ("voksne", "Voksne", "Adults"),
    ("seniorer", "Seniorer", "Seniors"),
    ("alle", "Alle", "Everyone"),
]

GROUPS = ["staff", "management"]


def seed(apps, schema_editor):
    Track = apps.get_model("events", "Track")
    Audience = apps.get_model("events", "Audience")
    Group = apps.get_model("auth", "Group")
    for order, (slug, da, en, desc_da, desc_en) in enumerate(TRACKS, start=1):
        track, created = Track.objects.get_or_create(
            slug=slug,
            defaults={"name_da": da, "name_en": en, "description_da": desc_da,
                      "description_en": desc_en, "order": order},
        )
        if not created:
            track.name_da, track.name_en, track.order = da, en, order
            track.save(update_fields=["name_da", "name_en", "order"])
    for order, (slug, da, en) in enumerate(AUDIENCES, start=1):
        Audience.objects.update_or_create(slug=slug, defaults={"name_da": da, "name_en": en, "order": order})
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
