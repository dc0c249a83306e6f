"""The monitoring stack: alarms, the alert topic and the dashboards."""
