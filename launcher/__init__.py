"""`make run`: bootstrap the built domains once, then supervise Airflow and the prediction APIs."""
