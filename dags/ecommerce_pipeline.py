"""Airflow DAG `ecommerce_pipeline`: RFM segments and customer value, built from its spec."""

from plugins.dag_factory import build_dag

dag = build_dag("ecommerce")
