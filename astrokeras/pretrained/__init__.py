"""The pretrained presets shipped with astrokeras: ``.keras`` files, their float32 TFLite copies and their cards
(``presets.json``); see :mod:`astrokeras.presets`."""
