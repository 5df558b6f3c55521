"""Tuning tasks: created from parameters or presets, validated against the engine catalog."""
