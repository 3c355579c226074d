from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "programme"
    verbose_name = "Groups and sessions"

    def ready(self) -> None:
        # The waiting list (referrals) shows each man's expected start, which only this app
        # can work out: it hands the forecast in (referrals never imports programme).
        from programme.services.forecast import attach_forecasts
        from referrals.waiting_list import provide_forecast

        provide_forecast(attach_forecasts)
