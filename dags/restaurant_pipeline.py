"""Airflow DAG `restaurant_pipeline`: review sentiment and rating trends, built from its spec."""

from plugins.dag_factory import build_dag

dag = build_dag("restaurant")
