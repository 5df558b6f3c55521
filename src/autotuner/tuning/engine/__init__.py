"""Starting, watching and stopping one inference engine for one experiment.

- :mod:`.commands`: the engine's argument list for a task and a combination;
- :mod:`.gpus`: the GPUs this machine has and the environment an engine gets;
- :mod:`.process`: the running engine (readiness, logs, teardown) and the registry of live ones;
- :mod:`.recovery`: process-group records, and stopping engines a dead service left behind.
"""
