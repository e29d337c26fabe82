"""Plain-Python domain logic for the seven analytics pipelines; never imports Airflow or FastAPI."""
