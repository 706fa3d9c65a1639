"""Users whose requests are counted by their pacing, not by chance (a task sequence at a fixed
pace), so Locust's counts and Squall's can be compared per endpoint within a few per cent; one
check always fails and one request gets a 404, so failures are compared too; one task raises, so
the exceptions raised inside tasks are compared as well."""
from locust import HttpUser, SequentialTaskSet, constant_pacing, task


class Visit(SequentialTaskSet):
    @task
    def jobs(self):
        self.client.get("/jobs", headers={"Authorization": f"Bearer {self.user.token}"})

    @task
    def health(self):
        with self.client.get("/health", name="/health (expects down)", catch_response=True) as response:
            if response.json().get("status") != "down":
                response.failure("health says ok")

    @task
    def missing(self):
        self.client.get("/nothing-here")

    @task
    def broken(self):
        raise ValueError("the page parser broke")


class Member(HttpUser):
    weight = 3
    wait_time = constant_pacing(0.05)
    tasks = [Visit]

    def on_start(self):
        self.token = self.client.post("/login", json={"user": "member"}).json()["token"]


class Admin(HttpUser):
    weight = 1
    wait_time = constant_pacing(0.05)

    @task
    def stats(self):
        self.client.get("/admin/stats")
