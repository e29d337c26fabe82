-- Run once by the postgres image on an empty volume: one server, three databases
-- (Airflow metadata is the image's POSTGRES_DB; the warehouse and MLflow get their own).
CREATE DATABASE warehouse;
CREATE DATABASE mlflow;
