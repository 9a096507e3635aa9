"""The emulated tenant (no sockets): state, route tables per service, load model, tokens, imaging.

Entry point: ``service.core.TenantService``. Nothing is imported here, so that the light modules
(seed, config, fsutil) can be used by a Python without cryptography, PyJWT or Pillow.
"""
