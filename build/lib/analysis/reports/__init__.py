"""Reports rendered from a result document (result.json): HTML, Markdown, Locust-style CSV,
JUnit XML. Pure functions: a dict in, text out."""
