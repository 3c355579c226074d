"""Imported once by the fork server that PDF renders are forked from (isotp.pdf): Django set up,
and WeasyPrint and its font configuration loaded, before any render asks for them."""

import django

try:
    django.setup()
except Exception:  # noqa: BLE001 - without settings, each render sets Django up itself
    pass
else:
    import isotp.pdf  # noqa: F401
