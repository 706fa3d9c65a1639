"""The load generator: the schedule, flows, the HTTP engines, recording; Locust's runner for locustfiles."""
