-- wrk's requests for tests/faults/test_load.py: the home page (a database
-- query) and a hashed CSS file in turn, as the router passes them on.
-- $css is the CSS file's path, filled in with Python's string.Template.
local paths = {"/", "$css"}
local headers = {["X-Forwarded-Proto"] = "https", ["Accept-Encoding"] = "br, gzip"}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[n % 2 + 1], headers)
end
