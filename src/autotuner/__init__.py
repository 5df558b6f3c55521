"""Autotuner for LLM inference engines, built around a Parameter Preset System."""

__version__ = "0.1.0"
