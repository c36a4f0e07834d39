"""MNIST classifiers in Keras 3, the reference that the autograd-lab engine is compared with.

Submodules import Keras themselves, so importing this package stays cheap.
"""
