"""Tuning: parameter space enumeration, planning and scoring of experiments."""
