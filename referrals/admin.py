from django.contrib import admin

from isotp.admin import NoDeleteAdmin
from referrals.models import Offence, Offender


class OffenceInline(admin.TabularInline):
    model = Offence
    extra = 0
    can_delete = False


@admin.register(Offender)
class OffenderAdmin(NoDeleteAdmin):
    list_display = [
        "crn",
        "last_name",
        "first_name",
        "date_of_birth",
        "offender_manager",
        "office",
        "order_type",
        "order_end",
    ]
    list_filter = ["office", "order_type", "gender", "needs_large_print", "needs_braille"]
    search_fields = ["crn", "pnc_number", "first_name", "last_name"]
    list_select_related = ["offender_manager", "office"]
    autocomplete_fields = ["offender_manager"]
    inlines = [OffenceInline]


@admin.register(Offence)
class OffenceAdmin(NoDeleteAdmin):
    list_display = ["description", "offender", "internet_related_sexual", "conviction_date"]
    list_filter = ["internet_related_sexual"]
    search_fields = ["description", "offender__crn", "offender__last_name"]
    list_select_related = ["offender"]
