"""Department simulator: camera scenes, traffic, injected faults, and the run that fills
the records store through the access-control layer (see docs/simulator.md)."""
