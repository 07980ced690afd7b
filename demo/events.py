"""Demo data: Roskilde's branches, the bookmobile's stops, partners, users per role and a year of
events laid out around a given day (about eight months back, five months ahead).

Everything goes through the services, so the demo obeys the same rules as staff do. Runs are
deterministic for a given day (one ``random.Random`` seeded from it) and idempotent: places and
users are looked up by slug/name, events by a stable UID, and an event that exists is left as it
is, with its occurrences, cancellations, moves and attendance.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from dateutil import rrule as du_rrule
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from events import recurrence, roles, services
from events.clock import local_today
from events.models import (
    LOCAL_TZ,
    Attendance,
    Audience,
    Branch,
    Event,
    Occurrence,
    Partner,
    Room,
    Stop,
    Track,
)

from .pictures import picture_for

PAST_DAYS = 240  # about eight months back
FUTURE_DAYS = 150  # about five months ahead

# --- places -------------------------------------------------------------------------------

BRANCHES = [
    # slug, name, kind, area, address, postal code, city, lat, lon, phone, rooms [(name, capacity)]
    (
        "roskilde",
        "Roskilde Bibliotek",
        Branch.Kind.LIBRARY,
        "Roskilde by",
        "Dronning Margrethes Vej 14",
        "4000",
        "Roskilde",
        "55.641900",
        "12.080300",
        "46 31 50 00",
        [
            ("Salen", 120),
            ("Mødelokale 1", 20),
            ("Børnebiblioteket", 40),
            ("Læsesalen", 30),
            ("Makerspace", 15),
        ],
    ),
    (
        "jyllinge",
        "Jyllinge Bibliotek",
        Branch.Kind.LIBRARY,
        "Jyllinge og Gundsølille",
        "Bygaden 30",
        "4040",
        "Jyllinge",
        "55.745100",
        "12.102900",
        "46 31 50 40",
        [("Mødelokalet", 25), ("Biblioteksrummet", 45)],
    ),
    (
        "viby",
        "Viby Bibliotek",
        Branch.Kind.LIBRARY,
        "Viby Sjælland",
        "Stationsvej 2",
        "4130",
        "Viby Sjælland",
        "55.548600",
        "12.025900",
        "46 31 50 60",
        [("Mødelokalet", 25), ("Børnehjørnet", 20), ("Biblioteksrummet", 40)],
    ),
    (
        "gundsoemagle",
        "Gundsømagle Bibliotek",
        Branch.Kind.LIBRARY,
        "Gundsømagle og Ågerup",
        "Gundsømaglevej 92",
        "4000",
        "Roskilde",
        "55.732600",
        "12.157200",
        "46 31 50 70",
        [("Caféen", 30), ("Mødelokalet", 20)],
    ),
    (
        "gadstrup",
        "Gadstrup Bibliotek",
        Branch.Kind.LIBRARY,
        "Gadstrup, Snoldelev og Dåstrup",
        "Ringstedvej 5",
        "4621",
        "Gadstrup",
        "55.573100",
        "12.093800",
        "46 31 50 80",
        [("Mødelokalet", 25), ("Biblioteksrummet", 40)],
    ),
    (
        "bogbussen",
        "Bogbussen",
        Branch.Kind.BOOKMOBILE,
        "Landsbyerne i Roskilde Kommune",
        "Dronning Margrethes Vej 14",
        "4000",
        "Roskilde",
        "55.641900",
        "12.080300",
        "46 31 50 90",
        [],
    ),
]

STOPS = [
    # slug, name, address, postal code, city, lat, lon
    (
        "svogerslev",
        "Svogerslev",
        "Svogerslev Hovedgade 45 (ved Brugsen)",
        "4000",
        "Roskilde",
        "55.634700",
        "12.019300",
    ),
    (
        "vindinge",
        "Vindinge",
        "Vindinge Bygade 21 (ved skolen)",
        "4000",
        "Roskilde",
        "55.623400",
        "12.145900",
    ),
    (
        "kirke-syv",
        "Kirke Syv",
        "Kirke Syv Vej 3 (ved kirken)",
        "4130",
        "Viby Sjælland",
        "55.529200",
        "12.109600",
    ),
    (
        "snoldelev",
        "Snoldelev",
        "Snoldelev Bygade 12 (ved forsamlingshuset)",
        "4621",
        "Gadstrup",
        "55.571000",
        "12.159900",
    ),
    (
        "oersted",
        "Ørsted",
        "Ørstedvej 40 (ved gadekæret)",
        "4621",
        "Gadstrup",
        "55.556400",
        "12.048700",
    ),
    (
        "daastrup",
        "Dåstrup",
        "Dåstrupvej 18 (ved den gamle skole)",
        "4130",
        "Viby Sjælland",
        "55.536500",
        "12.058900",
    ),
]

PARTNERS = [
    ("Ældre Sagen Roskilde", "https://www.aeldresagen.dk/lokalafdelinger/roskilde"),
    ("Jyllinge Lokalhistoriske Arkiv", ""),
    ("Viby Skakklub", ""),
    ("Gundsømagle Lokalråd", ""),
    ("Dansk Flygtningehjælp Frivillige Roskilde", "https://frivillig.drc.ngo"),
    ("Coding Pirates Roskilde", "https://codingpirates.dk"),
    ("Jobcenter Roskilde", "https://www.roskilde.dk"),
    ("ROMU Roskilde Museum", "https://www.romu.dk"),
    ("Roskilde Musikskole", ""),
    ("Gadstrup Borgerforening", ""),
    ("Repair Café Roskilde", ""),
]

DEMO_PASSWORDS = {
    "admin": "roskilde-admin",
    "medarbejder": "roskilde-medarbejder",
    "ledelse": "roskilde-ledelse",
}

# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    key: str
    branch: str
    title: str
    description: str
    tracks: tuple[str, ...]
    audiences: tuple[str, ...]
    rule: str  # without COUNT/UNTIL; ``ends`` adds those
    at: time
    minutes: int
    room: str = ""
    stop: str = ""
    place: str = ""
    partners: tuple[str, ...] = ()
    co_created: bool = False
    ends: str = ""  # "", "until:<days after today>" or "count:<n>"
    begins: int = PAST_DAYS  # days before today the series starts (at the latest)
    size: int = 12  # typical head count
    status: str = Event.Status.PUBLISHED
    capacity: int | None = None


@dataclass(frozen=True)
class Single:
    key: str
    branch: str
    title: str
    description: str
    tracks: tuple[str, ...]
    audiences: tuple[str, ...]
    at: time
    minutes: int
    room: str = ""
    stop: str = ""
    place: str = ""
    partners: tuple[str, ...] = ()
    co_created: bool = False
    on: tuple[int, int] | None = None  # (month, day) for seasonal events; else a random day
    size: int = 30
    status: str = Event.Status.PUBLISHED
    cancel: str = ""  # a reason: the whole event is cancelled
    future: bool = False  # only ahead of today (drafts, a cancelled event)
    capacity: int | None = None


SERIES = [
    Series(
        "roskilde-laesekreds",
        "roskilde",
        "Læsekreds: Nordisk krimi",
        "Vi læser en nordisk krimi om måneden og mødes til en snak over en kop kaffe. "
        "Bøgerne kan lånes på biblioteket.",
        ("fordybelse", "indgang-til-faellesskab"),
        ("voksne",),
        "FREQ=MONTHLY;BYDAY=1TU",
        time(19, 0),
        120,
        room="Mødelokale 1",
        size=11,
        capacity=18,
    ),
    Series(
        "roskilde-it-cafe",
        "roskilde",
        "IT-café: hjælp til MitID og Digital Post",
        "Frivillige fra Ældre Sagen hjælper med MitID, Digital Post, apps og din egen "
        "telefon eller tablet. Kom forbi, der er ingen tilmelding.",
        ("digitale-forbindelser", "viden-og-vejledning"),
        ("seniorer",),
        "FREQ=WEEKLY;BYDAY=WE",
        time(10, 0),
        120,
        room="Makerspace",
        partners=("Ældre Sagen Roskilde",),
        co_created=True,
        size=9,
    ),
    Series(
        "roskilde-babyrytmik",
        "roskilde",
        "Babyrytmik i børnebiblioteket",
        "Sang, rim og bevægelse for de 0-2-årige og deres voksne. Bagefter er der tid "
        "til at låne billedbøger.",
        ("struktur-for-livet", "hygge"),
        ("familier",),
        "FREQ=WEEKLY;BYDAY=TH",
        time(10, 0),
        45,
        room="Børnebiblioteket",
        ends="until:100",
        begins=200,
        size=16,
        capacity=25,
    ),
    Series(
        "roskilde-lektiecafe",
        "roskilde",
        "Lektiecafé",
        "Frivillige hjælper med lektier i dansk, matematik og engelsk for elever i 4.-10. klasse.",
        ("viden-og-vejledning", "struktur-for-livet"),
        ("boern", "unge"),
        "FREQ=WEEKLY;BYDAY=MO",
        time(15, 0),
        120,
        room="Børnebiblioteket",
        size=10,
    ),
    Series(
        "roskilde-sprogcafe",
        "roskilde",
        "Sprogcafé: øv dit dansk",
        "Øv dansk i hyggelige rammer med frivillige fra Dansk Flygtningehjælp. "
        "Alle niveauer er velkomne.",
        ("indgang-til-faellesskab", "viden-og-vejledning"),
        ("voksne",),
        "FREQ=WEEKLY;BYDAY=TU",
        time(16, 30),
        90,
        room="Læsesalen",
        partners=("Dansk Flygtningehjælp Frivillige Roskilde",),
        co_created=True,
        size=13,
    ),
    Series(
        "roskilde-jobcafe",
        "roskilde",
        "Jobcafé: CV og ansøgning",
        "Få sparring på dit CV og din ansøgning af vejledere fra Jobcenter Roskilde.",
        ("struktur-for-livet", "viden-og-vejledning"),
        ("voksne", "unge"),
        "FREQ=MONTHLY;BYDAY=2TH",
        time(13, 0),
        120,
        room="Mødelokale 1",
        partners=("Jobcenter Roskilde",),
        co_created=True,
        ends="count:10",
        begins=180,
        size=7,
    ),
    Series(
        "roskilde-kodeklub",
        "roskilde",
        "Kodeklub for børn",
        "Byg spil, robotter og hjemmesider sammen med frivillige fra Coding Pirates. "
        "For børn på 8-14 år.",
        ("digitale-forbindelser", "indgang-til-faellesskab"),
        ("boern",),
        "FREQ=WEEKLY;BYDAY=WE",
        time(15, 0),
        90,
        room="Makerspace",
        partners=("Coding Pirates Roskilde",),
        co_created=True,
        size=12,
        capacity=15,
    ),
    Series(
        "jyllinge-strikkecafe",
        "jyllinge",
        "Strikkecafé",
        "Tag dit strikketøj med og strik i fællesskab. Vi deler mønstre, gode råd og kaffe.",
        ("hygge", "indgang-til-faellesskab"),
        ("voksne", "seniorer"),
        "FREQ=WEEKLY;BYDAY=TU",
        time(14, 0),
        120,
        room="Mødelokalet",
        co_created=True,
        size=14,
    ),
    Series(
        "jyllinge-lokalhistorie",
        "jyllinge",
        "Lokalhistorisk aften: Jyllinge og fjorden",
        "Jyllinge Lokalhistoriske Arkiv fortæller om fiskere, sommerhuse og stormfloder "
        "ved Roskilde Fjord, med billeder fra arkivets samlinger.",
        ("en-lokal-aktoer", "fordybelse"),
        ("voksne", "seniorer"),
        "FREQ=MONTHLY;BYDAY=3TH",
        time(19, 0),
        90,
        room="Biblioteksrummet",
        partners=("Jyllinge Lokalhistoriske Arkiv",),
        co_created=True,
        ends="count:8",
        begins=150,
        size=32,
    ),
    Series(
        "viby-skak",
        "viby",
        "Skak for alle",
        "Viby Skakklub stiller brætter og ure frem. Begyndere og øvede, børn og voksne.",
        ("indgang-til-faellesskab", "hygge"),
        ("alle",),
        "FREQ=WEEKLY;BYDAY=TH",
        time(16, 0),
        120,
        room="Mødelokalet",
        partners=("Viby Skakklub",),
        co_created=True,
        size=10,
    ),
    Series(
        "viby-fortaellestund",
        "viby",
        "Fortællestund for de 3-6-årige",
        "Vi læser højt og synger en sang. Dagplejere og børnehaver er velkomne.",
        ("fordybelse", "struktur-for-livet"),
        ("boern",),
        "FREQ=WEEKLY;BYDAY=FR",
        time(9, 30),
        45,
        room="Børnehjørnet",
        ends="until:60",
        size=15,
    ),
    Series(
        "gundsoemagle-kaffe",
        "gundsoemagle",
        "Kaffe og avis",
        "Dagens aviser, kaffe på kanden og en snak med naboerne.",
        ("hygge",),
        ("seniorer",),
        "FREQ=WEEKLY;BYDAY=MO",
        time(10, 0),
        90,
        room="Caféen",
        size=8,
    ),
    Series(
        "gundsoemagle-borgermoede",
        "gundsoemagle",
        "Borgermøde om lokalsamfundet",
        "Gundsømagle Lokalråd inviterer til møde om trafik, stier og det nye forsamlingshus.",
        ("en-lokal-aktoer", "indgang-til-faellesskab"),
        ("voksne",),
        "FREQ=MONTHLY;BYDAY=1WE",
        time(19, 0),
        120,
        room="Mødelokalet",
        partners=("Gundsømagle Lokalråd",),
        co_created=True,
        ends="count:6",
        begins=120,
        size=18,
    ),
    Series(
        "gadstrup-spilcafe",
        "gadstrup",
        "Brætspilscafé",
        "Hver anden fredag finder vi brætspillene frem. For familier, unge og alle andre "
        "spilleglade.",
        ("indgang-til-faellesskab", "hygge"),
        ("familier", "unge"),
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
        time(16, 0),
        120,
        room="Biblioteksrummet",
        partners=("Gadstrup Borgerforening",),
        co_created=True,
        size=14,
    ),
    Series(
        "gadstrup-digital",
        "gadstrup",
        "Digital hjælp: borger.dk og e-Boks",
        "Hjælp til selvbetjening hos det offentlige: borger.dk, e-Boks, sundhed.dk og "
        "årsopgørelsen.",
        ("digitale-forbindelser", "viden-og-vejledning"),
        ("seniorer", "voksne"),
        "FREQ=MONTHLY;BYDAY=2TU",
        time(13, 0),
        120,
        room="Mødelokalet",
        size=6,
    ),
    Series(
        "roskilde-podcast",
        "roskilde",
        "Podcastværksted for unge",
        "Lær at planlægge, optage og klippe din egen podcast i bibliotekets makerspace.",
        ("digitale-forbindelser", "fordybelse"),
        ("unge",),
        "FREQ=WEEKLY;BYDAY=TH",
        time(16, 0),
        120,
        room="Makerspace",
        ends="count:6",
        begins=-30,
        size=8,
        status=Event.Status.DRAFT,
    ),
    Series(
        "roskilde-udstilling",
        "roskilde",
        "Udstilling: Roskilde Fjord i fotografier",
        "Lokale fotografer viser fjorden gennem et år. Udstillingen kan ses hver dag i "
        "bibliotekets åbningstid.",
        ("en-lokal-aktoer", "fordybelse"),
        ("alle",),
        "FREQ=DAILY",
        time(10, 0),
        480,
        place="Udstillingsgangen",
        ends="count:28",
        begins=90,
        size=25,
    ),
]

_BUS_DESCRIPTION = (
    "Bogbussen holder i {name}. Lån og aflever bøger, lydbøger, film og spil, bestil "
    "materialer hjem og få en snak med bibliotekaren."
)
BUS_STOPS = [
    # stop slug, BYDAY, time, minutes
    ("svogerslev", "MO", time(14, 0), 90),
    ("vindinge", "MO", time(16, 30), 90),
    ("kirke-syv", "TU", time(14, 0), 60),
    ("snoldelev", "TU", time(16, 0), 90),
    ("oersted", "WE", time(14, 0), 60),
    ("daastrup", "WE", time(16, 0), 60),
]

SINGLES = [
    Single(
        "roskilde-forfatteraften",
        "roskilde",
        "Forfatteraften: Ny dansk krimi",
        "Tre danske krimiforfattere fortæller om at skrive spænding og læser op fra deres "
        "nye bøger. Billetter på bibliotekets hjemmeside.",
        ("fordybelse",),
        ("voksne",),
        time(19, 30),
        90,
        room="Salen",
        size=85,
        capacity=120,
    ),
    Single(
        "roskilde-vikinger",
        "roskilde",
        "Foredrag: Roskilde fra vikingetid til i dag",
        "En museumsinspektør fra ROMU tager os med gennem tusind års byhistorie.",
        ("en-lokal-aktoer", "viden-og-vejledning"),
        ("voksne", "seniorer"),
        time(19, 0),
        90,
        room="Salen",
        partners=("ROMU Roskilde Museum",),
        co_created=True,
        size=70,
    ),
    Single(
        "roskilde-julehygge",
        "roskilde",
        "Julehygge med æbleskiver og højtlæsning",
        "Vi tænder lys, læser julehistorier og spiser æbleskiver. For hele familien.",
        ("hygge", "indgang-til-faellesskab"),
        ("familier",),
        time(15, 0),
        90,
        room="Børnebiblioteket",
        on=(12, 10),
        size=38,
    ),
    Single(
        "roskilde-halloween",
        "roskilde",
        "Halloween-værksted",
        "Vi laver uhyggelig pynt og græskarlygter. Kom gerne udklædt!",
        ("hygge", "fordybelse"),
        ("boern", "familier"),
        time(14, 0),
        120,
        room="Børnebiblioteket",
        on=(10, 29),
        size=40,
    ),
    Single(
        "roskilde-slaegt",
        "roskilde",
        "Slægtsforskning for begyndere",
        "Kom godt i gang med kirkebøger, folketællinger og Arkivalieronline.",
        ("viden-og-vejledning", "fordybelse"),
        ("voksne", "seniorer"),
        time(10, 0),
        150,
        room="Læsesalen",
        size=22,
    ),
    Single(
        "roskilde-koncert",
        "roskilde",
        "Koncert med Roskilde Musikskole",
        "Elever fra musikskolens rytmiske hold spiller i bibliotekets sal.",
        ("en-lokal-aktoer", "hygge"),
        ("alle",),
        time(16, 0),
        60,
        room="Salen",
        partners=("Roskilde Musikskole",),
        co_created=True,
        size=95,
    ),
    Single(
        "roskilde-sikker-paa-nettet",
        "roskilde",
        "Sikker på nettet: svindel og phishing",
        "Lær at kende falske sms'er, mails og opkald, og hvad du gør, hvis uheldet er ude.",
        ("digitale-forbindelser", "viden-og-vejledning"),
        ("seniorer", "voksne"),
        time(14, 0),
        90,
        room="Salen",
        partners=("Ældre Sagen Roskilde",),
        co_created=True,
        size=55,
    ),
    Single(
        "roskilde-aarsopgoerelse",
        "roskilde",
        "Hjælp til årsopgørelsen",
        "Skattefrivillige hjælper dig med at tjekke og rette din årsopgørelse.",
        ("viden-og-vejledning", "digitale-forbindelser"),
        ("voksne", "seniorer"),
        time(13, 0),
        180,
        room="Mødelokale 1",
        on=(3, 18),
        size=19,
    ),
    Single(
        "roskilde-gaming",
        "roskilde",
        "Gamingaften for unge",
        "Turnering i Mario Kart og FIFA, pizza og god stemning. For 13-17-årige.",
        ("digitale-forbindelser", "indgang-til-faellesskab"),
        ("unge",),
        time(18, 0),
        180,
        room="Makerspace",
        size=14,
        capacity=15,
    ),
    Single(
        "roskilde-sommerbogen",
        "roskilde",
        "Sommerbogen: skudstart på sommerens læsning",
        "Hent dit sommerbogskort og mød en forfatter til børnebøger.",
        ("fordybelse", "struktur-for-livet"),
        ("boern", "familier"),
        time(10, 0),
        120,
        room="Børnebiblioteket",
        on=(6, 20),
        size=60,
    ),
    Single(
        "jyllinge-repair",
        "jyllinge",
        "Repair Café",
        "Tag din ødelagte brødrister, cykellygte eller bukser med, så hjælper frivillige "
        "med at reparere dem.",
        ("en-lokal-aktoer", "indgang-til-faellesskab"),
        ("alle",),
        time(10, 0),
        180,
        room="Biblioteksrummet",
        partners=("Repair Café Roskilde",),
        co_created=True,
        size=27,
    ),
    Single(
        "jyllinge-fastelavn",
        "jyllinge",
        "Fastelavn i biblioteket",
        "Tøndeslagning, fastelavnsboller og kåring af kattedronning og kattekonge.",
        ("hygge", "en-lokal-aktoer"),
        ("boern", "familier"),
        time(10, 0),
        120,
        place="Gårdhaven bag biblioteket",
        on=(2, 15),
        size=55,
    ),
    Single(
        "jyllinge-klima",
        "jyllinge",
        "Klimacafé: når fjorden stiger",
        "Hvad betyder højere vandstand for Jyllinge? Oplæg og snak med kommunens "
        "klimatilpasningsteam.",
        ("viden-og-vejledning", "en-lokal-aktoer"),
        ("voksne",),
        time(19, 0),
        120,
        room="Biblioteksrummet",
        co_created=True,
        size=41,
    ),
    Single(
        "viby-byttemarked",
        "viby",
        "Byttemarked for børnetøj og legetøj",
        "Tag det med, som børnene er vokset fra, og find noget nyt. Arrangeret af forældre i Viby.",
        ("en-lokal-aktoer", "indgang-til-faellesskab"),
        ("familier",),
        time(10, 0),
        180,
        room="Biblioteksrummet",
        co_created=True,
        size=48,
    ),
    Single(
        "viby-soevn",
        "viby",
        "Foredrag: God søvn i en travl hverdag",
        "En søvnforsker giver råd om søvn, skærme og rytmer i familien.",
        ("struktur-for-livet", "viden-og-vejledning"),
        ("voksne",),
        time(19, 0),
        90,
        room="Biblioteksrummet",
        size=36,
    ),
    Single(
        "gundsoemagle-faellessang",
        "gundsoemagle",
        "Fællessang fra Højskolesangbogen",
        "Vi synger årstidens sange med pianist. Kaffe og kage efter sangen.",
        ("hygge", "indgang-til-faellesskab"),
        ("seniorer", "voksne"),
        time(14, 0),
        90,
        room="Caféen",
        co_created=True,
        size=28,
    ),
    Single(
        "gundsoemagle-pension",
        "gundsoemagle",
        "Pension og økonomi, når du stopper med at arbejde",
        "Oplæg om folkepension, efterløn og opsparing, med tid til spørgsmål.",
        ("struktur-for-livet", "viden-og-vejledning"),
        ("voksne", "seniorer"),
        time(19, 0),
        90,
        room="Mødelokalet",
        size=17,
    ),
    Single(
        "gadstrup-filmaften",
        "gadstrup",
        "Filmaften: danske klassikere",
        "Vi ser en dansk filmklassiker på storskærm og snakker bagefter.",
        ("fordybelse", "hygge"),
        ("voksne", "seniorer"),
        time(19, 0),
        150,
        room="Biblioteksrummet",
        partners=("Gadstrup Borgerforening",),
        co_created=True,
        size=24,
    ),
    Single(
        "gadstrup-paaske",
        "gadstrup",
        "Påskeværksted",
        "Vi klipper gækkebreve og maler æg. For børn og deres voksne.",
        ("hygge", "struktur-for-livet"),
        ("boern", "familier"),
        time(10, 0),
        120,
        room="Biblioteksrummet",
        on=(3, 28),
        size=26,
    ),
    Single(
        "bogbussen-byfest",
        "bogbussen",
        "Bogbussen til byfest i Vindinge",
        "Bogbussen er med til byfesten med højtlæsning, quiz og boglotteri.",
        ("en-lokal-aktoer", "hygge"),
        ("alle",),
        time(11, 0),
        240,
        stop="vindinge",
        on=(6, 6),
        size=90,
    ),
    # Ahead of today: drafts being prepared and one cancelled event.
    Single(
        "roskilde-ai-foredrag",
        "roskilde",
        "Kunstig intelligens i hverdagen",
        "Hvad kan ChatGPT og andre AI-værktøjer, og hvad skal man passe på med?",
        ("digitale-forbindelser", "viden-og-vejledning"),
        ("voksne", "seniorer"),
        time(19, 0),
        90,
        room="Salen",
        status=Event.Status.DRAFT,
        future=True,
        size=80,
    ),
    Single(
        "viby-forfatterbesoeg",
        "viby",
        "Forfatterbesøg for skoleklasser",
        "Mellemtrinnet møder en børnebogsforfatter. Tilmelding for skoler.",
        ("fordybelse",),
        ("boern",),
        time(10, 0),
        90,
        room="Biblioteksrummet",
        status=Event.Status.DRAFT,
        future=True,
        size=50,
    ),
    Single(
        "jyllinge-vinsmagning",
        "jyllinge",
        "Foredrag: Vin fra Danmark",
        "En dansk vinbonde fortæller om at dyrke vin ved fjorden.",
        ("hygge", "viden-og-vejledning"),
        ("voksne",),
        time(19, 0),
        90,
        room="Biblioteksrummet",
        future=True,
        size=30,
        cancel="Aflyst på grund af sygdom hos foredragsholderen.",
    ),
]

CANCEL_REASONS = [
    "Aflyst på grund af sygdom.",
    "Biblioteket holder lukket i ferien.",
    "Lokalet bruges til valg.",
    "Aflyst på grund af vejret.",
    "Frivillige kan ikke komme denne gang.",
]

# Age-group weights (children, youth, adults, seniors) by an event's first audience.
AGE_MIX = {
    "boern": (0.65, 0.05, 0.3, 0.0),
    "familier": (0.5, 0.05, 0.4, 0.05),
    "unge": (0.0, 0.85, 0.15, 0.0),
    "voksne": (0.0, 0.02, 0.7, 0.28),
    "seniorer": (0.0, 0.0, 0.15, 0.85),
    "alle": (0.25, 0.1, 0.4, 0.25),
}


SCHEDULED = Occurrence.Status.SCHEDULED
KIND_LABELS = {"series": "series", "bus": "bookmobile series", "single": "single events"}


def demo_uid(key: str) -> str:
    return f"demo-{key}@{settings.EVENT_UID_DOMAIN}"


# --- planning (pure, deterministic for a day) ---------------------------------------------


@dataclass
class Plan:
    """One event to create: the arguments of ``event_create`` (by slug/name) and what to do
    with its occurrences afterwards."""

    key: str
    kind: str  # "series", "bus" or "single"
    fields: dict
    size: int
    cancel_event: str = ""
    cancel_occurrences: int = 0
    move_occurrences: int = 0
    extra: dict = field(default_factory=dict)


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LOCAL_TZ)


def _first_on_rule(rule: str, not_before: date, at: time) -> datetime:
    naive = du_rrule.rrulestr(rule, dtstart=datetime.combine(not_before, at))[0]
    return naive.replace(tzinfo=LOCAL_TZ)


def _seasonal_day(today: date, month: int, day: int) -> date:
    """The date with this month and day inside the demo window, nearest to today."""
    first, last = today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)
    candidates = [date(y, month, day) for y in (today.year - 1, today.year, today.year + 1)]
    inside = [d for d in candidates if first <= d <= last]
    return min(inside or candidates, key=lambda d: abs((d - today).days))


def _christmas_break(start: datetime, rule: str) -> list[date]:
    """A weekly series pauses between Christmas Eve and New Year's Day (excluded dates)."""
    if "FREQ=WEEKLY" not in rule:
        return []
    last = start + timedelta(days=PAST_DAYS + FUTURE_DAYS)
    return sorted(
        d
        for d in recurrence.rule_dates(start=start, rule=rule, until=last)
        if (d.month, d.day) >= (12, 24) or (d.month, d.day) <= (1, 1)
    )


def plan(today: date) -> list[Plan]:
    """What the demo holds for ``today``: same day, same plan."""
    rng = random.Random(f"roskilde-demo-{today.isoformat()}")
    plans: list[Plan] = []
    for s in SERIES:
        not_before = today - timedelta(days=s.begins) + timedelta(days=rng.randrange(0, 21))
        start = _first_on_rule(s.rule, not_before, s.at)
        rule = s.rule
        if s.ends.startswith("until:"):
            until = today + timedelta(days=int(s.ends[6:]))
            rule += f";UNTIL={until:%Y%m%d}"
        elif s.ends.startswith("count:"):
            rule += f";COUNT={s.ends[6:]}"
        fields = {
            "branch": s.branch,
            "title": s.title,
            "description": s.description,
            "tracks": s.tracks,
            "audiences": s.audiences,
            "room": s.room,
            "stop": s.stop,
            "place": s.place,
            "partners": s.partners,
            "co_created": s.co_created,
            "status": s.status,
            "start": start,
            "end": start + timedelta(minutes=s.minutes),
            "rrule": rule,
            "capacity": s.capacity,
            "exdates": _christmas_break(start, rule),
            **NATIONAL.get(s.key, {}),
        }
        drafted = s.status == Event.Status.DRAFT
        plans.append(
            Plan(
                key=s.key,
                kind="series",
                fields=fields,
                size=s.size,
                cancel_occurrences=0 if drafted else rng.choice((0, 1, 1, 2)),
                move_occurrences=0 if drafted else rng.choice((0, 0, 1)),
            )
        )
    for slug, byday, at, minutes in BUS_STOPS:
        stop = next(s for s in STOPS if s[0] == slug)
        rule = f"FREQ=WEEKLY;BYDAY={byday}"
        start = _first_on_rule(rule, today - timedelta(days=PAST_DAYS), at)
        plans.append(
            Plan(
                key=f"bogbussen-{slug}",
                kind="bus",
                size=rng.randrange(12, 30),
                fields={
                    "branch": "bogbussen",
                    "stop": slug,
                    "room": "",
                    "place": "",
                    "title": f"Bogbussen i {stop[1]}",
                    "description": _BUS_DESCRIPTION.format(name=stop[1]),
                    "tracks": ("en-lokal-aktoer", "fordybelse"),
                    "audiences": ("alle",),
                    "partners": (),
                    "co_created": False,
                    "status": Event.Status.PUBLISHED,
                    "start": start,
                    "end": start + timedelta(minutes=minutes),
                    "rrule": rule,
                    "capacity": None,
                    "exdates": _christmas_break(start, rule),
                },
                cancel_occurrences=rng.choice((0, 1)),
            )
        )
    for e in SINGLES:
        if e.on is not None:
            day = _seasonal_day(today, *e.on)
        elif e.future:
            day = today + timedelta(days=rng.randrange(14, FUTURE_DAYS - 10))
        else:
            day = today + timedelta(days=rng.randrange(-PAST_DAYS + 5, FUTURE_DAYS - 10))
        if e.at.hour < 17 and day.weekday() == 6:  # daytime events not on Sundays
            day += timedelta(days=1)
        start = _local(day, e.at)
        plans.append(
            Plan(
                key=e.key,
                kind="single",
                size=e.size,
                cancel_event=e.cancel,
                fields={
                    "branch": e.branch,
                    "title": e.title,
                    "description": e.description,
                    "tracks": e.tracks,
                    "audiences": e.audiences,
                    "room": e.room,
                    "stop": e.stop,
                    "place": e.place,
                    "partners": e.partners,
                    "co_created": e.co_created,
                    "status": e.status,
                    "start": start,
                    "end": start + timedelta(minutes=e.minutes),
                    "rrule": "",
                    "capacity": e.capacity,
                    **NATIONAL.get(e.key, {}),
                },
            )
        )
    return plans


# What the national statistics count each event as (DESIGN.md, N1-N6): kind, venue, barometer
# type and who started it. Left out: an arrangement, held in the library, or out in the local
# community for the bookmobile (its stops and the town festival show that default).
ARRANGEMENT, EXHIBITION, TEACHING, OTHER = (k.value for k in Event.Kind)
NATIONAL: dict[str, dict[str, str]] = {
    "roskilde-laesekreds": {"barometer_type": "reading_club", "initiated_by": "library"},
    "roskilde-it-cafe": {"kind": OTHER, "initiated_by": "users"},
    "roskilde-babyrytmik": {"barometer_type": "music"},
    "roskilde-lektiecafe": {"kind": OTHER},
    "roskilde-jobcafe": {"kind": OTHER},
    "roskilde-kodeklub": {"kind": TEACHING},
    "jyllinge-strikkecafe": {"barometer_type": "other", "initiated_by": "users"},
    "jyllinge-lokalhistorie": {"barometer_type": "talk"},
    "viby-skak": {"initiated_by": "users"},
    "viby-fortaellestund": {"barometer_type": "literature"},
    "gundsoemagle-kaffe": {"kind": OTHER},
    "gundsoemagle-borgermoede": {"barometer_type": "debate", "initiated_by": "users"},
    "gadstrup-digital": {"kind": TEACHING},
    "roskilde-podcast": {"kind": TEACHING},
    "roskilde-udstilling": {"kind": EXHIBITION, "initiated_by": "library"},
    "roskilde-forfatteraften": {"barometer_type": "author"},
    "roskilde-vikinger": {"barometer_type": "talk"},
    "roskilde-julehygge": {"barometer_type": "literature"},
    "roskilde-slaegt": {"kind": TEACHING},
    "roskilde-koncert": {"barometer_type": "music"},
    "roskilde-sikker-paa-nettet": {"kind": TEACHING, "venue": "online"},
    "roskilde-aarsopgoerelse": {"kind": TEACHING},
    "roskilde-sommerbogen": {"barometer_type": "literature"},
    "jyllinge-repair": {"kind": OTHER, "initiated_by": "users"},
    "jyllinge-klima": {"barometer_type": "debate"},
    "viby-byttemarked": {"kind": OTHER, "initiated_by": "users"},
    "viby-soevn": {"barometer_type": "talk"},
    "gundsoemagle-faellessang": {"barometer_type": "music"},
    "gundsoemagle-pension": {"barometer_type": "talk"},
    "gadstrup-filmaften": {"barometer_type": "other"},
    "bogbussen-byfest": {"venue": "community"},
    "roskilde-ai-foredrag": {"barometer_type": "talk", "venue": "online"},
    "viby-forfatterbesoeg": {"barometer_type": "author"},
    "jyllinge-vinsmagning": {"barometer_type": "talk"},
}


# --- loading ------------------------------------------------------------------------------


@dataclass
class Report:
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)


def _places(report: Report) -> None:
    for order, (slug, name, kind, area, address, postal, city, lat, lon, phone, rooms) in enumerate(
        BRANCHES, start=1
    ):
        branch, made = Branch.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "area": area,
                "address": address,
                "postal_code": postal,
                "city": city,
                "latitude": Decimal(lat),
                "longitude": Decimal(lon),
                "phone": phone,
                "order": order,
                "email": f"{slug}@bibliotekerne.roskilde.dk"
                if kind == Branch.Kind.LIBRARY
                else "bogbussen@bibliotekerne.roskilde.dk",
                "url": f"https://roskildebib.dk/{slug}",
            },
        )
        (report.created if made else report.existing)["branches"] += 1
        for room_name, capacity in rooms:
            _, made = Room.objects.get_or_create(
                branch=branch, name=room_name, defaults={"capacity": capacity}
            )
            (report.created if made else report.existing)["rooms"] += 1
    bus = Branch.objects.get(slug="bogbussen")
    for order, (slug, name, address, postal, city, lat, lon) in enumerate(STOPS, start=1):
        _, made = Stop.objects.get_or_create(
            slug=slug,
            defaults={
                "branch": bus,
                "name": name,
                "address": address,
                "postal_code": postal,
                "city": city,
                "latitude": Decimal(lat),
                "longitude": Decimal(lon),
                "order": order,
            },
        )
        (report.created if made else report.existing)["stops"] += 1
    for name, url in PARTNERS:
        _, made = Partner.objects.get_or_create(name=name, defaults={"url": url})
        (report.created if made else report.existing)["partners"] += 1


def _users(report: Report) -> dict[str, Any]:  # username -> user (the user model is swappable)
    User = get_user_model()
    staff_group = Group.objects.get_or_create(name=roles.STAFF_GROUP)[0]
    management_group = Group.objects.get_or_create(name=roles.MANAGEMENT_GROUP)[0]
    specs: dict[str, dict[str, Any]] = {
        "admin": {"first_name": "Anne", "last_name": "Administrator", "is_superuser": True},
        "medarbejder": {"first_name": "Mette", "last_name": "Jensen"},
        "ledelse": {"first_name": "Lars", "last_name": "Holm"},
    }
    users: dict[str, Any] = {}
    for username, extra in specs.items():
        user, made = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@bibliotekerne.roskilde.dk", "is_staff": True, **extra},
        )
        if made:
            user.set_password(DEMO_PASSWORDS[username])
            user.save()
        (report.created if made else report.existing)["users"] += 1
        users[username] = user
    users["medarbejder"].groups.add(staff_group)
    Branch.objects.get(slug="jyllinge").staff.add(users["medarbejder"])
    # Every other branch has a member of staff too, so that each gets its attendance digest;
    # they have no password (the demo's logins are the three above).
    for branch in Branch.objects.exclude(slug="jyllinge").order_by("slug"):
        member, made = User.objects.get_or_create(
            username=f"personale-{branch.slug}",
            defaults={
                "email": f"personale-{branch.slug}@bibliotekerne.roskilde.dk",
                "first_name": "Personale",
                "last_name": branch.name,
                "is_staff": True,
            },
        )
        if made:
            member.set_unusable_password()
            member.save()
        (report.created if made else report.existing)["users"] += 1
        member.groups.add(staff_group)
        branch.staff.add(member)
    users["ledelse"].groups.add(management_group)
    return users


def _spread(total: int, weights: tuple[float, ...], rng: random.Random) -> dict[str, int]:
    jittered = [w * rng.uniform(0.7, 1.3) for w in weights]
    scale = sum(jittered) or 1.0
    counts = [int(total * w / scale) for w in jittered]
    counts[max(range(len(counts)), key=lambda i: jittered[i])] += total - sum(counts)
    return dict(zip(Attendance.AGE_GROUPS, counts, strict=True))


def _create(p: Plan, users: dict, report: Report) -> Event | None:
    f = dict(p.fields)
    branch = Branch.objects.get(slug=f.pop("branch"))
    room_name, stop_slug = f.pop("room"), f.pop("stop")
    tracks = list(Track.objects.filter(slug__in=f.pop("tracks")))
    audiences = list(Audience.objects.filter(slug__in=f.pop("audiences")))
    partners = list(Partner.objects.filter(name__in=f.pop("partners")))
    start, end = f.pop("start"), f.pop("end")
    room = Room.objects.get(branch=branch, name=room_name) if room_name else None
    stop = Stop.objects.get(slug=stop_slug) if stop_slug else None
    user = users["medarbejder"] if branch.slug == "jyllinge" else users["admin"]
    picture = picture_for(p.key)
    if picture is not None:
        f["image"], f["image_alt"] = picture
    # A single event that would overlap another in its room moves a day on; series are laid
    # out so that they do not overlap.
    for shift in range(0, 8 if p.kind == "single" else 1):
        try:
            return services.event_create(
                branch=branch,
                room=room,
                stop=stop,
                tracks=tracks,
                audiences=audiences,
                partners=partners,
                start=start + timedelta(days=shift),
                end=end + timedelta(days=shift),
                user=user,
                uid=demo_uid(p.key),
                **f,
            )
        except services.SchedulingConflict:
            continue
    report.lines.append(f"  ! skipped {p.fields['title']}: no free slot")
    return None


def _occurrence_changes(
    event: Event, p: Plan, rng: random.Random, report: Report, now: datetime
) -> None:
    occurrences = list(event.occurrences.order_by("start"))
    past = [o for o in occurrences if o.end <= now]
    ahead = [o for o in occurrences if now < o.start <= now + timedelta(days=FUTURE_DAYS)]
    if p.cancel_event:
        services.event_cancel(event=event, reason=p.cancel_event)
        report.created["cancelled events"] += 1
        return
    # Cancel occurrences, past and ahead, with reasons.
    for _ in range(p.cancel_occurrences):
        pool = [o for o in (past if rng.random() < 0.5 else ahead) if o.status == SCHEDULED]
        if pool:
            reason = rng.choice(CANCEL_REASONS)
            services.occurrence_cancel(occurrence=rng.choice(pool), reason=reason)
            report.created["cancelled occurrences"] += 1
    # Move occurrences an hour later or a day on (past ones get attendance afterwards).
    cancelled = set(event.occurrences.exclude(status=SCHEDULED).values_list("pk", flat=True))
    past = [o for o in past if o.pk not in cancelled]
    ahead = [o for o in ahead if o.pk not in cancelled]
    for _ in range(p.move_occurrences):
        pool = past[-12:] if rng.random() < 0.4 else ahead[:10]
        if not pool:
            continue
        occ = rng.choice(pool)
        for delta in (timedelta(hours=1), timedelta(days=1), timedelta(days=-1)):
            try:
                services.occurrence_move(
                    occurrence=occ, start=occ.start + delta, end=occ.end + delta
                )
            except services.SchedulingConflict:
                continue
            report.created["moved occurrences"] += 1
            break


def _attendance(
    event: Event, p: Plan, users: dict, rng: random.Random, report: Report, now: datetime
) -> None:
    if event.status != Event.Status.PUBLISHED:
        return
    user = users["medarbejder"] if event.branch.slug == "jyllinge" else users["admin"]
    mix = AGE_MIX[p.fields["audiences"][0]]
    items = []
    for occ in event.occurrences.filter(end__lte=now, status=SCHEDULED).order_by("start"):
        recent = now - occ.end < timedelta(days=14)
        if rng.random() < (0.45 if recent else 0.08):
            report.created["past occurrences without attendance"] += 1
            continue
        total = max(0, round(rng.gauss(p.size, p.size * 0.25)))
        item = {"occurrence": occ, "total": total}
        if rng.random() < 0.4:
            item["by_age"] = _spread(total, mix, rng)
        items.append(item)
    if items:
        services.attendance_record_bulk(items=items, user=user)
        report.created["attendance records"] += len(items)


@transaction.atomic
def seed(*, today: date | None = None, now: datetime | None = None) -> Report:
    """Load the demo for ``today`` (default: the local date now). Returns what was created."""
    real_now = timezone.now()
    today = today or local_today(real_now)
    # "Now" of the demo: noon on that day, never later than the real now (attendance is only
    # recorded for occurrences that have started).
    now = now or min(_local(today, time(12, 0)), real_now)
    report = Report()
    _places(report)
    users = _users(report)
    rng = random.Random(f"roskilde-demo-load-{today.isoformat()}")
    plans = plan(today)
    uids = [demo_uid(p.key) for p in plans]
    existing = set(Event.objects.filter(uid__in=uids).values_list("uid", flat=True))
    for p in plans:
        if demo_uid(p.key) in existing:
            report.existing["events"] += 1
            continue
        event = _create(p, users, report)
        if event is None:
            continue
        report.created["events"] += 1
        report.created[KIND_LABELS[p.kind]] += 1
        if event.status == Event.Status.DRAFT:
            report.created["drafts"] += 1
        if event.co_created:
            report.created["co-created events"] += 1
        _occurrence_changes(event, p, rng, report, now)
        _attendance(event, p, users, rng, report, now)
        report.created["occurrences"] += event.occurrences.count()
        event.refresh_from_db()
        local = event.start.astimezone(LOCAL_TZ)
        report.lines.append(
            f"  + {event.title} ({event.branch.name}, {local:%Y-%m-%d %H:%M}"
            f"{', ' + event.rrule if event.rrule else ''}, {event.get_status_display()})"
        )
    return report


LOGINS = [
    ("admin", "administrator (superuser)", "all branches"),
    ("medarbejder", "staff", "Jyllinge Bibliotek"),
    ("ledelse", "management (read-only)", "all branches"),
]
