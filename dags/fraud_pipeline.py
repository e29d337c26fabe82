"""Airflow DAG `fraud_pipeline`: card-fraud scoring, built from domains/fraud/spec.py by the factory."""

from plugins.dag_factory import build_dag

dag = build_dag("fraud")
