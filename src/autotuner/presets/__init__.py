"""The Parameter Preset System: parameter spaces, the merge engine and the preset service."""
