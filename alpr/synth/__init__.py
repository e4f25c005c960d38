"""Synthetic US licence-plate crops for training the recognizer.

- :mod:`alpr.synth.fonts` finds fonts in installed packages and caches glyph masks;
- :mod:`alpr.synth.backgrounds` builds pools of plate faces and car surrounds;
- :mod:`alpr.synth.render` composites plates (:class:`PlateRenderer`, :class:`SyntheticPlate`);
- :mod:`alpr.synth.writer` writes datasets in the real crops' format and gallery PNGs.
"""

from alpr.synth.render import PlateRenderer, SyntheticPlate
from alpr.synth.writer import render_gallery, write_dataset

__all__ = ["PlateRenderer", "SyntheticPlate", "render_gallery", "write_dataset"]
