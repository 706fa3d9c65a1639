"""`squall console`: one place where a team sees its runs over time, starts runs, compares them and
schedules them: a small web app on 127.0.0.1 over the store the CLI uses."""
