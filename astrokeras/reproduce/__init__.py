"""The paper's tables as commands (``astrokeras reproduce``), the main job, and the re-creation of the presets: the top of
the library's layers (it may use every other part)."""
