"""After the load: collect and judge, live progress and the live page, reports, history and baselines."""
