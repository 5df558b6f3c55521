"""Engine parameter catalogs (SGLang, vLLM): flags worth tuning and rules for combinations.

Pure: the data lives in ``runtimes/data/<runtime>.json`` (shipped as package data); :mod:`.loading`
loads and validates it, :mod:`.flags` and :mod:`.rules` describe its two parts and
:mod:`.checking` checks parameter spaces against it. No database, no web.
"""
