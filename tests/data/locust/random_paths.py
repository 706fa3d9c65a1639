"""A name per request, as real locustfiles often have it: an id in the path and no name=."""
import random

from locust import HttpUser, constant, task


class Browser(HttpUser):
    wait_time = constant(0)

    @task
    def item(self):
        self.client.get(f"/gallery?item={random.randrange(10**9)}")
