"""English date formats of the site: day, month name, year, as British English writes them.

Django's "en" formats are American ("Dec. 7, 2026", "12/07/2026"); a Danish reader of the
English pages reads "7/12" as the 7th of December and an English one as the 12th of July.
Month names are never numbers here."""

DATE_FORMAT = "j F Y"  # 7 December 2026
SHORT_DATE_FORMAT = "j M Y"  # 7 Dec 2026
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
