# Copyright: (c) 2026, m365.photos contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # How a source image becomes the uploaded photo: the modules that upload photos share these options.
    DOCUMENTATION = r'''
options:
  size:
    description:
      - Width and height in pixels of the uploaded square photo. 648 is the largest size Microsoft 365 serves.
      - Smaller sources are never upscaled; a warning says so.
    type: int
    default: 648
  crop:
    description:
      - How a non-square source becomes square. V(center) crops the middle, V(top) keeps the top of portraits (where faces sit),
        V(none) pads the whole image to a square with O(background).
      - V(face) finds the largest face with OpenCV's bundled detector and frames it with natural head room (eyes about 40 %
        from the top, the face about a third of the width), never upscaling; a square source is cropped closer to the face
        only as far as the output keeps O(size). It needs the optional Python package C(opencv-python-headless) on the
        host running the module (no model is downloaded at run time). Without it, or when no face is found, the photo is
        cropped like V(top) and a warning names the user. The result is deterministic like every other mode.
    type: str
    choices: [center, top, none, face]
    default: center
  background:
    description:
      - Colour that transparent areas are flattened onto and that pads with O(crop=none). A name or V(#rrggbb).
    type: str
    default: '#ffffff'
  quality:
    description:
      - JPEG quality of the uploaded photo (1-100). Lowered stepwise when the result exceeds O(max_bytes).
    type: int
    default: 90
  max_bytes:
    description:
      - Largest upload in bytes. 4 MB (4194304) is both the default and the Microsoft Graph limit.
    type: int
    default: 4194304
'''
