"""What the experiments teach: per-preset analytics, parameter importance, and suggested presets
(memory model + history)."""
