"""A locustfile that leans on Locust's global events and its own command-line option: it fills a
list in test_start, reads its option from parsed_options, and records a manual request event."""
from locust import HttpUser, constant_pacing, events, task

fired: list[str] = []


@events.init_command_line_parser.add_listener
def add_options(parser, **_):
    parser.add_argument("--probe-path", default="/nothing-here", help="the path every task gets")


@events.init.add_listener
def on_init(environment, **_):
    fired.append("init")


@events.test_start.add_listener
def on_test_start(environment, **_):
    fired.append("test_start")
    environment.probe_paths = [environment.parsed_options.probe_path]


class Hooked(HttpUser):
    wait_time = constant_pacing(0.2)

    @task
    def probe(self):
        assert fired[:2] == ["init", "test_start"], fired  # raises (an exception Locust counts) otherwise
        self.client.get(self.environment.probe_paths[0], name="probe")
        self.environment.events.request.fire(request_type="MANUAL", name="by hand", response_time=5.0,
                                             response_length=0, exception=None, context={})
