"""The PyTorch adapter's implementation; the public face is `modelfmt.torch`."""
