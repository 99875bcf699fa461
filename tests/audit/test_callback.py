from __future__ import annotations

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.tensorflow

X, Y = np.ones((8, 4), "float32"), np.ones((8, 1), "float32")


def model(reg=None):
    inp = keras.Input((4,))
    m = keras.Model(inp, keras.layers.Dense(1, kernel_regularizer=reg, name="d")(inp))
    m.compile(optimizer="sgd", loss="mse")
    return m


def test_callback_fails_fast_before_any_step():
    from reglint.audit.callback import RegularizationAudit, RegularizationError

    m = model()
    w = m.get_layer("d").kernel.numpy().copy()
    with pytest.raises(RegularizationError, match="RA001"):
        m.fit(X, Y, epochs=1, verbose=0, callbacks=[RegularizationAudit()])
    assert np.array_equal(w, m.get_layer("d").kernel.numpy())


def test_callback_warns_and_passes():
    from reglint.audit.callback import RegularizationAudit

    cb = RegularizationAudit(on_failure="warn", train=False)
    with pytest.warns(UserWarning, match="RA001"):
        model().fit(X, Y, epochs=1, verbose=0, callbacks=[cb])
    assert cb.report is not None and not cb.report.passed
    ok = RegularizationAudit()
    model(keras.regularizers.L2(1e-3)).fit(X, Y, epochs=1, verbose=0, callbacks=[ok])
    assert ok.report.passed and ok.report.verification.ran
