"""The Heroku add-on plans and dyno sizes the guide may name: the one list to edit when Heroku changes them.

The Heroku CLI does not know plan names (it asks Heroku's API, which these
checks never contact), so the list is kept here by hand. When Heroku retires
a plan, move it from PLANS to RETIRED with its replacement: a one-line
change, and every page naming it then fails the `cli` session.
"""

# When the lists below were last compared with their sources:
# https://devcenter.heroku.com/articles/heroku-postgres-plans and
# https://devcenter.heroku.com/articles/dyno-types (the team's reference of
# Heroku facts, checked November 2026, cites them). Verified on CHECKED:
# essential-0 as today's smallest Postgres plan, the end of free plans and
# Eco as the smallest dyno. The other plan and dyno names follow those pages
# but were not re-read on that date: check one there before the guide names
# it, then update CHECKED.
CHECKED = "2026-11-22"

# Add-on service -> plans that can be provisioned today.
PLANS = {
    "heroku-postgresql": {
        "essential-0", "essential-1", "essential-2",
        "standard-0", "standard-2", "standard-3", "standard-4", "standard-5",
        "standard-6", "standard-7", "standard-8", "standard-9", "standard-10",
        "premium-0", "premium-2", "premium-3", "premium-4", "premium-5",
        "premium-6", "premium-7", "premium-8", "premium-9", "premium-10",
    },
}

# Add-on service -> {retired plan: what the guide should name instead}.
RETIRED = {
    "heroku-postgresql": {
        "hobby-dev": "essential-0 (free plans ended 2022-11-28)",
        "hobby-basic": "essential-0 (hobby plans ended 2022-11-28)",
        "mini": "essential-0 (Mini became Essential-0 in 2024)",
        "basic": "essential-1 (Basic became Essential-1 in 2024)",
    },
}

# Dyno sizes `heroku ps:type` and `heroku run --size` accept (case-insensitive).
DYNO_SIZES = {
    "eco", "basic", "standard-1x", "standard-2x",
    "performance-m", "performance-l", "performance-l-ram", "performance-xl",
    "performance-2xl",
}
RETIRED_DYNO_SIZES = {
    "free": "eco (free dynos ended 2022-11-28)",
    "hobby": "basic (Hobby became Basic in 2022)",
}
