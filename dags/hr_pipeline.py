"""Airflow DAG `hr_pipeline`: attrition risk and comment sentiment on anonymised employees."""

from plugins.dag_factory import build_dag

dag = build_dag("hr")
