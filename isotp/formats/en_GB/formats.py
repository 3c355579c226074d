# See isotp/formats/__init__.py. Input formats are left to Django's en_GB locale.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j F Y"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
# Only where a template prints a date and time unformatted (the admin): 24-hour, as no format
# string gives "6:30pm". Pages use `|when`.
DATETIME_FORMAT = r"j F Y \a\t H:i"
SHORT_DATETIME_FORMAT = r"j F Y \a\t H:i"
