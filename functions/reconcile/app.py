"""Scheduled every minute: compares the read model's counters and id sets with MySQL and repairs lasting drift."""

from gophertok.scheduled import scheduled_task
from gophertok.services.reconciliation import reconcile_summary

handler = scheduled_task(reconcile_summary)
