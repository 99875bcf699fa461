"""``reglint audit``: the runtime auditor of saved and in-memory Keras models.

Importing this package imports no TensorFlow, Keras, h5py or NumPy.
"""
