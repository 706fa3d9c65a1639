"""Pure analysis of load-test results: histograms, merge, thresholds, verdict, summaries.

Nothing here touches the network, the clock, the environment or boto3/httpx.
"""
