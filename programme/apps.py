from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "programme"
    verbose_name = "Groups and sessions"

    def ready(self) -> None:
        # The waiting list (referrals) shows each man's expected start, which only this app
        # can work out: it names the forecast (referrals never imports programme).
        from referrals.waiting_list import provide_forecast

        provide_forecast("programme.services.forecast.attach_forecasts")
