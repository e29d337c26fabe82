"""Airflow DAG `financial_pipeline`: daily bars, indicators and a next-day LSTM forecast."""

from plugins.dag_factory import build_dag

dag = build_dag("financial")
