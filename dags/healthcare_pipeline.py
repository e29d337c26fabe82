"""Airflow DAG `healthcare_pipeline`: 30-day readmission risk on de-identified encounters."""

from plugins.dag_factory import build_dag

dag = build_dag("healthcare")
