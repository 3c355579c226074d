"""The programme's writes: work that spans records, one module a part of the work.

- `scheduling`: groups, their sessions, allocation, membership in time, status moves by hand;
- `register`: registers, catch-ups, restarts, completion and the projection;
- `enforcement`: enforcement decisions, notices and risk reviews;
- `post_programme`: the end-of-programme report, recommendations, handover, closing;
- `one_to_ones`: the pre-group one-to-one and the post-programme review;
- `staffing`: who leads and covers each session;
- `non_associations`, `versions`, `calendar` (the calendar link), `reminders` (notifications).

Each function is atomic and locks what it counts, so two people working at once cannot break
a rule between them. Import a service by name from its module
(`from programme.services.scheduling import group_create`): this package hands nothing on.
"""
