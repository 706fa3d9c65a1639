"""Users whose number a LoadTestShape sets, in stages (2 users for 4 s, then 6 users for 4 s),
each sending at a fixed pace, so Locust's counts and Squall's can be compared per stage."""
from locust import HttpUser, LoadTestShape, constant_pacing, task


class Reader(HttpUser):
    wait_time = constant_pacing(0.1)

    @task
    def jobs(self):
        self.client.get("/jobs", headers={"Authorization": "Bearer t"})


class Stages(LoadTestShape):
    stages = [(4, 2, 100), (8, 6, 100)]  # (until second, users, spawn rate)

    def tick(self):
        run_time = self.get_run_time()
        for until, users, rate in self.stages:
            if run_time < until:
                return users, rate
        return None
