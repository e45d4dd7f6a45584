"""Floating-point helpers the NumPy reference backends share: the elementary functions computed
by the C library, as the compiled kernels compute them, so that the two backends agree to the bit
(runtime/numerics/libm.py says why)."""
