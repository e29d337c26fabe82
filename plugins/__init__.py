"""Airflow-only code: the DAG factory and task callbacks (domains/ stays free of Airflow)."""
