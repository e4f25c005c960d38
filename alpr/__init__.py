"""ALPR workbench: plate recognition, hot-list matching and governed records for ALPR programmes."""

__version__ = "0.1.0"
