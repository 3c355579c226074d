"""Date formats for the en-GB locale, the GOV.UK way ("5 October 2026", never "5 Oct"):
with USE_I18N the locale's formats win over settings.DATE_FORMAT, so they are set here
(FORMAT_MODULE_PATH). One module, `en`, serves the en-gb locale: Django looks for en_GB, then
en, under this path before its own locales. Times are written by isotp.formatting.clock ("6pm",
"6:30pm"), which no Django format string can do; a date with its time is `{{ value|when }}`
(govuk_format)."""
