"""A shape whose last stage has no users (a cool-down): Locust runs it; Squall refused it."""
from locust import HttpUser, LoadTestShape, constant, task


class Reader(HttpUser):
    wait_time = constant(0.1)

    @task
    def jobs(self):
        self.client.get("/gallery")


class Stages(LoadTestShape):
    stages = [(2, 2, 100), (3, 0, 100)]

    def tick(self):
        run_time = self.get_run_time()
        for until, users, rate in self.stages:
            if run_time < until:
                return users, rate
        return None
