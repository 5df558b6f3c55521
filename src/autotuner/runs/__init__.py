"""The run layer: the worker that runs started tasks and records their experiments, and the run
service the API and the CLI call (start, cancel, experiments, logs, save as preset)."""
