"""Two user classes as a Locust team writes them: the outside truth that Squall's user classes
are compared with (tests/functional/test_against_locust.py)."""
from locust import HttpUser, between, constant, task


class Regular(HttpUser):
    weight = 3
    wait_time = between(0.01, 0.03)

    def on_start(self):
        self.token = self.client.post("/login", json={"user": "u"}).json()["token"]

    @task(3)
    def list_jobs(self):
        self.client.get("/jobs", headers={"Authorization": f"Bearer {self.token}"})

    @task(1)
    def create_job(self):
        self.client.post("/jobs", json={"template": "tpl-1"}, headers={"Authorization": f"Bearer {self.token}"})


class Admin(HttpUser):
    weight = 1
    wait_time = constant(0.02)

    @task
    def stats(self):
        self.client.get("/admin/stats")

    @task
    def templates(self):
        self.client.get("/templates")
