"""What Heroku's router adds to the requests it passes to a web dyno, for the probes."""

# The Host header of an app at <name>.herokuapp.com (in the example's ALLOWED_HOSTS).
HOST = "smoke-check.herokuapp.com"
# A request the visitor made over HTTPS: the router ends TLS and says so in X-Forwarded-Proto.
HTTPS = {"Host": HOST, "X-Forwarded-Proto": "https"}
