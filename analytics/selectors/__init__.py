"""Read-only queries for the dashboards. Aggregates run in the database
(annotate/aggregate/values); Python only shapes the few rows that come back."""
