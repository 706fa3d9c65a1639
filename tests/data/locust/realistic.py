"""A realistic locustfile, as the teams in ../shared/seeds write theirs: two user classes, an
on_start login whose token the tasks send, weighted tasks, tags, catch_response checks (one of
which always fails, so failures are compared too). Run by Locust and by `squall run`."""
from locust import HttpUser, constant_pacing, tag, task


class Member(HttpUser):
    weight = 3
    wait_time = constant_pacing(0.1)

    def on_start(self):
        self.token = self.client.post("/login", json={"user": "member"}).json()["token"]
        self.client.headers["Authorization"] = f"Bearer {self.token}"

    @tag("read")
    @task(3)
    def list_jobs(self):
        with self.client.get("/jobs", catch_response=True) as response:
            if "jobs" not in response.json():
                response.failure("no jobs in the body")

    @tag("write")
    @task(1)
    def create_job(self):
        self.client.post("/jobs", json={"template": "tpl-1"})

    @tag("read")
    @task(1)
    def health_must_be_down(self):
        with self.client.get("/health", name="/health (expects down)", catch_response=True) as response:
            if response.json().get("status") != "down":
                response.failure("health says ok")


class Admin(HttpUser):
    weight = 1
    wait_time = constant_pacing(0.1)

    @tag("admin")
    @task
    def stats(self):
        self.client.get("/admin/stats")
