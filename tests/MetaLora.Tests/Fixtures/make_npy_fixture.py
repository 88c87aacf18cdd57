"""Writes int32_small.npy, the reference file NpyTests compares the C# writer against.

Run from this folder with Python 3 and NumPy: python3 make_npy_fixture.py
"""
import numpy as np

np.save("int32_small.npy", np.array([0, 1, -1, 15496, 995, 2147483647, -2147483648], dtype=np.int32))
