"""Camera-health diagnostics: image alignment and focus, read drift, patrol coverage,
misread rates, equipment status and the administrator's decision (see docs/health.md)."""
