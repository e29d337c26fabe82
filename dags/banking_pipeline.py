"""Airflow DAG `banking_pipeline`: UK building-society data, AML alerts and credit risk."""

from plugins.dag_factory import build_dag

dag = build_dag("banking")
